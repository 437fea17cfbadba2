package dev.sluice.stats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.MongoException;

import dev.sluice.cache.CacheUnavailableException;
import dev.sluice.cache.StatsCache;
import dev.sluice.config.SluiceConfig;
import dev.sluice.rollup.UsersChanged;

/**
 * Stats, cache-aside: Redis first; on a miss one caller across all instances (a {@code SET NX PX} lock) reads the
 * rollups and caches the JSON, and the others wait for it. A user's entry is invalidated (and, if it was cached,
 * rewritten) when a fold counts new events of theirs ({@link UsersChanged}), or through
 * {@code POST /internal/cache/invalidate}. Without Redis, stats are read
 * from MongoDB through {@link BypassReads}.
 */
@ApplicationScoped
public class StatsService {

    private static final Logger LOG = Logger.getLogger(StatsService.class);
    private static final long POLL_MILLIS = 20;

    /** A stats body and where it came from. */
    public record Served(String json, CacheStatus cache) {
    }

    private final StatsRepository repository;
    private final StatsCache cache;
    private final BypassReads bypass;
    private final ObjectMapper json;
    private final StatsMetrics metrics;
    private final SluiceConfig.Stats config;
    private final String userKey;
    private final String userVersionKey;
    private final String platformKey;

    public StatsService(StatsRepository repository, StatsCache cache, BypassReads bypass, ObjectMapper json,
            StatsMetrics metrics, SluiceConfig config) {
        this.repository = repository;
        this.cache = cache;
        this.bypass = bypass;
        this.json = json;
        this.metrics = metrics;
        this.config = config.stats();
        this.userKey = this.config.keyPrefix() + "user-stats:";
        this.userVersionKey = this.config.keyPrefix() + "user-stats-version:";
        this.platformKey = this.config.keyPrefix() + "platform-stats";
    }

    public Served user(String userId) {
        return metrics.read(StatsMetrics.Cache.USER_STATS, () -> serve(key(userKey, userId),
                key(userVersionKey, userId), config.userTtl(),
                metrics.query(StatsMetrics.Cache.USER_STATS, () -> repository.userStats(userId))));
    }

    /**
     * A user's key under {@code prefix}: the user id after its length, so that no user id, whatever it contains, makes
     * the key of another user's entry or of its lock ({@code <entry>:lock}): the length decides where the id ends.
     */
    static String key(String prefix, String userId) {
        return prefix + userId.length() + ":" + userId;
    }

    public Served platform() {
        return metrics.read(StatsMetrics.Cache.PLATFORM_STATS, () -> serve(platformKey, null, config.platformTtl(),
                metrics.query(StatsMetrics.Cache.PLATFORM_STATS, repository::platformStats)));
    }

    /**
     * Drops the cached stats of these users. With {@code sluice.stats.refresh-cached}, the entries that are cached
     * (users read recently, so likely read again) are recomputed first and written back in the same step that makes
     * the old ones stale, so their next read is a hit with the new numbers, never a miss; the others are dropped.
     * Should the recompute fail, every entry is still dropped.
     *
     * @return how many entries were rewritten
     */
    public int invalidate(Set<String> userIds) {
        List<String> users = new ArrayList<>(userIds);
        List<String> keys = new ArrayList<>(users.size());
        List<String> versions = new ArrayList<>(users.size());
        for (String user : users) {
            keys.add(key(userKey, user));
            versions.add(key(userVersionKey, user));
        }
        List<String> bodies = new ArrayList<>(Collections.nCopies(users.size(), (String) null));
        int rewritten = 0;
        try {
            if (config.refreshCached()) {
                for (int at : cache.present(keys)) {
                    if (rewritten >= config.refreshMax()) {
                        break;
                    }
                    bodies.set(at, write(repository.userStats(users.get(at))));
                    rewritten++;
                }
            }
        } finally {
            cache.invalidate(keys, versions, bodies, config.userTtl());
        }
        return rewritten;
    }

    void onUsersChanged(@Observes UsersChanged changed) {
        try {
            invalidate(changed.userIds());
        } catch (CacheUnavailableException | MongoException e) {
            LOG.warnf("stats of %d users not invalidated or not rewritten, they expire within %s: %s",
                    changed.userIds().size(), config.userTtl(), e.getMessage());
        }
    }

    private Served serve(String key, String versionKey, Duration ttl, Supplier<Object> query) {
        StatsCache.Lookup lookup;
        String token;
        try {
            lookup = cache.get(key, versionKey);
            if (lookup.hit()) {
                return new Served(lookup.json(), CacheStatus.HIT);
            }
            token = cache.lock(key, config.lockTimeout());
            if (token == null) {
                StatsCache.Lookup computed = awaitOther(key, versionKey);
                if (computed != null) {
                    return new Served(computed.json(), CacheStatus.HIT);
                }
            } else {
                // the holder before us may have cached the entry between our miss and our lock
                lookup = cache.get(key, versionKey);
                if (lookup.hit()) {
                    release(key, token);
                    return new Served(lookup.json(), CacheStatus.HIT);
                }
            }
        } catch (CacheUnavailableException e) {
            return new Served(write(bypass.read(query)), CacheStatus.BYPASS);
        }
        try {
            String body = write(query.get());
            try {
                cache.put(key, lookup.version(), body, ttl);
            } catch (CacheUnavailableException e) {
                LOG.debugf("stats not cached: %s", e.getMessage());
            }
            return new Served(body, CacheStatus.MISS);
        } finally {
            if (token != null) {
                release(key, token);
            }
        }
    }

    private void release(String key, String token) {
        try {
            cache.unlock(key, token);
        } catch (CacheUnavailableException e) {
            LOG.debugf("lock not released, it expires: %s", e.getMessage());
        }
    }

    /** Waits for the lock holder's entry; null when it does not come in time. */
    private StatsCache.Lookup awaitOther(String key, String versionKey) {
        long deadline = System.nanoTime() + config.lockWait().toNanos();
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            StatsCache.Lookup lookup = cache.get(key, versionKey);
            if (lookup.hit()) {
                return lookup;
            }
        }
        return null;
    }

    private String write(Object stats) {
        try {
            return json.writeValueAsString(stats);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stats not serializable", e);
        }
    }
}

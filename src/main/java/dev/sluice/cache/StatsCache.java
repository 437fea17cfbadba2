package dev.sluice.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.redis.datasource.value.ValueCommands;
import io.vertx.mutiny.redis.client.Response;

/**
 * The stats entries in Redis. Each entry is stored as {@code <version>\n<json>}, where the version is the value of the
 * entry's version key when the stats were read from MongoDB. Invalidating increments the version (and drops the
 * entry), so an entry computed from data that changed while it was being computed never counts as a hit: a reader
 * compares both in one {@code MGET}.
 *
 * <p>Every Redis failure becomes a {@link CacheUnavailableException}; the caller decides what to do without the cache.
 */
@ApplicationScoped
public class StatsCache {

    /** An entry as read: the JSON when it is present and current, else null; and the version seen. */
    public record Lookup(String json, String version) {
        public boolean hit() {
            return json != null;
        }
    }

    private static final String NO_VERSION = "0";
    /**
     * KEYS: the version keys, then the entries, in the same order; ARGV: how many version keys, their time to live in
     * ms, and 1 to report the entries that existed. Returns, for each entry that existed, its position and its new
     * version.
     */
    private static final String INVALIDATE = """
            local versions = tonumber(ARGV[1])
            local existed = {}
            for i = 1, versions do
              local present = redis.call('EXISTS', KEYS[versions + i])
              local version = redis.call('INCR', KEYS[i])
              redis.call('PEXPIRE', KEYS[i], ARGV[2])
              if present == 1 and ARGV[3] == '1' then
                table.insert(existed, i - 1)
                table.insert(existed, version)
              end
            end
            for i = versions + 1, #KEYS do
              redis.call('DEL', KEYS[i])
            end
            return existed
            """;

    private final RedisDataSource redis;
    private final ValueCommands<String, String> values;

    public StatsCache(RedisDataSource redis) {
        this.redis = redis;
        this.values = redis.value(String.class);
    }

    /** Reads an entry and, when it has one, its version key, in one round trip. */
    public Lookup get(String key, String versionKey) {
        return call(() -> {
            String version = NO_VERSION;
            String entry;
            if (versionKey == null) {
                entry = values.get(key);
            } else {
                var got = values.mget(key, versionKey);
                entry = got.get(key);
                version = got.get(versionKey) == null ? NO_VERSION : got.get(versionKey);
            }
            if (entry == null) {
                return new Lookup(null, version);
            }
            int newline = entry.indexOf('\n');
            boolean current = newline > 0 && entry.substring(0, newline).equals(version);
            return new Lookup(current ? entry.substring(newline + 1) : null, version);
        });
    }

    public void put(String key, String version, String json, Duration ttl) {
        call(() -> {
            values.set(key, version + "\n" + json, new SetArgs().px(ttl));
            return null;
        });
    }

    /**
     * Takes the short lock of a key ({@code SET NX PX}) so that one caller recomputes a missing entry.
     *
     * @return the lock's token when taken, null when another caller holds it
     */
    public String lock(String key, Duration timeout) {
        String token = UUID.randomUUID().toString();
        Response response = call(() -> redis.execute("SET", key + ":lock", token, "NX", "PX",
                Long.toString(timeout.toMillis())));
        return response == null ? null : token;
    }

    /** Releases a lock if it is still the caller's (a compare-and-delete script). */
    public void unlock(String key, String token) {
        call(() -> redis.execute("EVAL",
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
                "1", key + ":lock", token));
    }

    /** An entry that was cached when it was invalidated: its position in the invalidated keys, its new version. */
    public record Dropped(int index, String version) {
    }

    /**
     * Makes entries stale: increments each version key (kept twice as long as an entry lives, so a version never
     * expires before the entries that carry it) and deletes the entries, in one round trip.
     *
     * @param keys the entries
     * @param versionKeys their version keys, in the same order
     * @return the entries that existed, when {@code reportExisting}
     */
    public List<Dropped> invalidate(List<String> keys, List<String> versionKeys, Duration entryTtl,
            boolean reportExisting) {
        if (keys.isEmpty()) {
            return List.of();
        }
        List<String> args = new ArrayList<>(keys.size() + versionKeys.size() + 5);
        args.add(INVALIDATE);
        args.add(Integer.toString(keys.size() + versionKeys.size()));
        args.addAll(versionKeys);
        args.addAll(keys);
        args.add(Integer.toString(versionKeys.size()));
        args.add(Long.toString(entryTtl.multipliedBy(2).toMillis()));
        args.add(reportExisting ? "1" : "0");
        Response existed = call(() -> redis.execute("EVAL", args.toArray(String[]::new)));
        List<Dropped> dropped = new ArrayList<>();
        for (int i = 0; existed != null && i + 1 < existed.size(); i += 2) {
            dropped.add(new Dropped(existed.get(i).toInteger(), existed.get(i + 1).toString()));
        }
        return dropped;
    }

    /** Whether Redis answers now (the readiness check). */
    public void ping() {
        call(() -> redis.execute("PING"));
    }

    private static <T> T call(Supplier<T> command) {
        try {
            return command.get();
        } catch (RuntimeException e) {
            throw new CacheUnavailableException("Redis unavailable: " + e.getMessage(), e);
        }
    }

}

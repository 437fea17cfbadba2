package dev.sluice.ingest;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.sluice.config.SluiceConfig;
import dev.sluice.event.TrackedEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.vertx.mutiny.redis.client.Response;

/**
 * The cap on events per user and window that keeps one runaway client from flooding the queue and the flush. The
 * count is shared by every instance in Redis (a fixed window per user); a call is admitted whole or not at all, and
 * a refused call is not counted. When Redis does not answer in time, each instance limits with its own count, so a
 * Redis outage never stops ingest and never lifts the limit.
 */
@ApplicationScoped
public class UserRateLimit {

    private static final Logger LOG = Logger.getLogger(UserRateLimit.class);
    /**
     * KEYS: one counter per user; ARGV: the limit, the window in ms, then each user's events in this call. Admits
     * all (and counts them) or none; returns the 1-based position of the first user over the limit, or 0.
     */
    private static final String ADMIT = """
            local limit = tonumber(ARGV[1])
            for i = 1, #KEYS do
              local used = tonumber(redis.call('GET', KEYS[i]) or '0')
              if used + tonumber(ARGV[2 + i]) > limit then
                return i
              end
            end
            for i = 1, #KEYS do
              redis.call('INCRBY', KEYS[i], ARGV[2 + i])
              redis.call('PEXPIRE', KEYS[i], ARGV[2])
            end
            return 0
            """;

    private final ReactiveRedisDataSource redis;
    private final SluiceConfig config;
    private final Clock clock;
    private final Counter fallbacks;
    /** This instance's own counts, by user and window, for when Redis is down. */
    private final Map<String, Long> local = new ConcurrentHashMap<>();

    public UserRateLimit(ReactiveRedisDataSource redis, SluiceConfig config, Clock clock, MeterRegistry registry) {
        this.redis = redis;
        this.config = config;
        this.clock = clock;
        this.fallbacks = Counter.builder("sluice.ingest.limit.local")
                .description("Calls limited by this instance's own count because Redis did not answer")
                .register(registry);
    }

    /** Admits a call's events or throws {@link RateLimitedException}, counting nothing. */
    public void admit(List<TrackedEvent> events) {
        int limit = config.limits().eventsPerUser();
        if (limit <= 0 || events.isEmpty()) {
            return;
        }
        Map<String, Integer> perUser = new LinkedHashMap<>();
        events.forEach(e -> perUser.merge(e.userId(), 1, Integer::sum));
        long windowMillis = config.limits().window().toMillis();
        long now = clock.millis();
        long window = now / windowMillis;
        long retryAfter = Math.max(1, ((window + 1) * windowMillis - now + 999) / 1000);
        List<String> users = new ArrayList<>(perUser.keySet());
        int over;
        try {
            List<String> args = new ArrayList<>();
            args.add(ADMIT);
            args.add(Integer.toString(users.size()));
            users.forEach(u -> args.add(config.stats().keyPrefix() + "limit:" + window + ":" + u));
            args.add(Integer.toString(limit));
            args.add(Long.toString(windowMillis));
            users.forEach(u -> args.add(perUser.get(u).toString()));
            Response answer = redis.execute("EVAL", args.toArray(String[]::new)).await()
                    .atMost(config.limits().timeout());
            over = answer.toInteger();
        } catch (RuntimeException e) {
            fallbacks.increment();
            LOG.debugf("rate limit counted locally, Redis did not answer: %s", e.getMessage());
            over = admitLocally(users, perUser, limit, window);
        }
        if (over > 0) {
            String user = users.get(over - 1);
            throw new RateLimitedException(List.of(Problem.ofRequest("userId", "user " + user + " is over "
                    + limit + " events per " + config.limits().window().toSeconds() + " s; retry later")),
                    retryAfter);
        }
    }

    private synchronized int admitLocally(List<String> users, Map<String, Integer> perUser, int limit, long window) {
        local.keySet().removeIf(key -> !key.startsWith(window + ":")); // earlier windows are over
        for (int i = 0; i < users.size(); i++) {
            if (local.getOrDefault(window + ":" + users.get(i), 0L) + perUser.get(users.get(i)) > limit) {
                return i + 1;
            }
        }
        users.forEach(u -> local.merge(window + ":" + u, (long) perUser.get(u), Long::sum));
        return 0;
    }
}

package dev.sluice.ingest;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.sluice.api.Problem;
import dev.sluice.config.SluiceConfig;
import dev.sluice.event.TrackedEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;

/**
 * The caps on events per user and per write key and window, which keep one runaway client from flooding the queue
 * and the flush. The counts are shared by every instance in Redis (fixed windows); a call is admitted whole or not at
 * all, and a refused call is not counted. When Redis does not answer in time, each instance limits with its own
 * counts, so a Redis outage never stops ingest and never lifts the limits.
 */
@ApplicationScoped
public class IngestRateLimit {

    private static final Logger LOG = Logger.getLogger(IngestRateLimit.class);
    /**
     * KEYS: the counters; ARGV: the window in ms, then per counter the events of this call and its limit. Admits all
     * (and counts them) or none; returns the 1-based position of the first counter over its limit, or 0.
     */
    private static final String ADMIT = """
            for i = 1, #KEYS do
              local used = tonumber(redis.call('GET', KEYS[i]) or '0')
              if used + tonumber(ARGV[2 * i]) > tonumber(ARGV[2 * i + 1]) then
                return i
              end
            end
            for i = 1, #KEYS do
              redis.call('INCRBY', KEYS[i], ARGV[2 * i])
              redis.call('PEXPIRE', KEYS[i], ARGV[1])
            end
            return 0
            """;

    /** One count a call adds to: a user's or a key's. */
    private record Count(String name, int events, int limit, Problem whenOver) {
    }

    private final ReactiveRedisDataSource redis;
    private final SluiceConfig config;
    private final Clock clock;
    private final Counter fallbacks;
    /** This instance's own counts, by counter and window, for when Redis is down. */
    private final Map<String, Long> local = new ConcurrentHashMap<>();

    public IngestRateLimit(ReactiveRedisDataSource redis, SluiceConfig config, Clock clock, MeterRegistry registry) {
        this.redis = redis;
        this.config = config;
        this.clock = clock;
        this.fallbacks = Counter.builder("sluice.ingest.limit.local")
                .description("Calls limited by this instance's own count because Redis did not answer")
                .register(registry);
    }

    /**
     * Admits a call's events, or fails with {@link RateLimitedException}, counting nothing; it does not block.
     *
     * @param keyId the caller's write key as {@link dev.sluice.security.ApiKeys#id}, or null
     */
    public Uni<Void> admit(List<TrackedEvent> events, String keyId) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String per = " events per " + config.limits().window().toSeconds() + " s; retry later";
        List<Count> counts = new ArrayList<>();
        int perUser = config.limits().eventsPerUser();
        if (perUser > 0) {
            Map<String, Integer> byUser = new LinkedHashMap<>();
            events.forEach(e -> byUser.merge(e.userId(), 1, Integer::sum));
            byUser.forEach((user, n) -> counts.add(new Count("user:" + user, n, perUser,
                    Problem.ofRequest("userId", "user " + user + " is over " + perUser + per))));
        }
        int perKey = config.limits().eventsPerKey();
        if (perKey > 0 && keyId != null) {
            counts.add(new Count("key:" + keyId, events.size(), perKey,
                    Problem.ofRequest("Authorization", "this write key is over " + perKey + per)));
        }
        if (counts.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        long windowMillis = config.limits().window().toMillis();
        long now = clock.millis();
        long window = now / windowMillis;
        long retryAfter = Math.max(1, ((window + 1) * windowMillis - now + 999) / 1000);
        List<String> args = new ArrayList<>();
        args.add(ADMIT);
        args.add(Integer.toString(counts.size()));
        counts.forEach(c -> args.add(config.stats().keyPrefix() + "limit:" + window + ":" + c.name()));
        args.add(Long.toString(windowMillis));
        counts.forEach(c -> {
            args.add(Integer.toString(c.events()));
            args.add(Integer.toString(c.limit()));
        });
        return Uni.createFrom().deferred(() -> redis.execute("EVAL", args.toArray(String[]::new)))
                .ifNoItem().after(config.limits().timeout()).fail()
                .map(Response::toInteger)
                .onFailure().recoverWithItem(e -> {
                    fallbacks.increment();
                    LOG.debugf("rate limit counted locally, Redis did not answer: %s", e.getMessage());
                    return admitLocally(counts, window);
                })
                .map(over -> {
                    if (over > 0) {
                        throw new RateLimitedException(List.of(counts.get(over - 1).whenOver()), retryAfter);
                    }
                    return null;
                });
    }

    private synchronized int admitLocally(List<Count> counts, long window) {
        local.keySet().removeIf(key -> !key.startsWith(window + ":")); // earlier windows are over
        for (int i = 0; i < counts.size(); i++) {
            Count c = counts.get(i);
            if (local.getOrDefault(window + ":" + c.name(), 0L) + c.events() > c.limit()) {
                return i + 1;
            }
        }
        counts.forEach(c -> local.merge(window + ":" + c.name(), (long) c.events(), Long::sum));
        return 0;
    }
}

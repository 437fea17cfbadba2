package dev.sluice.stats;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The stats meters: {@code sluice.cache.requests} by cache ({@code user_stats}, {@code platform_stats}) and result
 * ({@code hit}, {@code miss}, {@code bypass}), {@code sluice.cache.hit} (a ratio) per cache since start,
 * {@code sluice.stats.latency} per cache and result with p50/p95/p99 (and a histogram for Prometheus), and
 * {@code sluice.stats.query}, the MongoDB read behind a miss or a bypass.
 */
@ApplicationScoped
public class StatsMetrics {

    /** Which cache a read goes through. */
    public enum Cache {
        USER_STATS, PLATFORM_STATS;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Cache, Map<CacheStatus, Counter>> requests = new EnumMap<>(Cache.class);
    private final Map<Cache, Map<CacheStatus, Timer>> latency = new EnumMap<>(Cache.class);
    private final Map<Cache, Timer> queries = new EnumMap<>(Cache.class);

    public StatsMetrics(MeterRegistry registry) {
        for (Cache cache : Cache.values()) {
            Map<CacheStatus, Counter> counters = new EnumMap<>(CacheStatus.class);
            Map<CacheStatus, Timer> timers = new EnumMap<>(CacheStatus.class);
            for (CacheStatus status : CacheStatus.values()) {
                String result = status.name().toLowerCase(Locale.ROOT);
                counters.put(status, Counter.builder("sluice.cache.requests").tag("cache", cache.tag())
                        .tag("result", result).description("Stats reads by cache result").register(registry));
                timers.put(status, Timer.builder("sluice.stats.latency").tag("cache", cache.tag())
                        .tag("result", result).description("Stats read latency, server side")
                        .publishPercentiles(0.5, 0.95, 0.99).publishPercentileHistogram().register(registry));
            }
            requests.put(cache, counters);
            latency.put(cache, timers);
            queries.put(cache, Timer.builder("sluice.stats.query").tag("cache", cache.tag())
                    .description("MongoDB read of a stats miss or bypass").publishPercentiles(0.5, 0.95, 0.99)
                    .register(registry));
            Gauge.builder("sluice.cache.hit", counters, StatsMetrics::hitRatio).baseUnit("ratio")
                    .tag("cache", cache.tag())
                    .description("Hits over all reads since start").register(registry);
        }
    }

    private static double hitRatio(Map<CacheStatus, Counter> counters) {
        double all = counters.values().stream().mapToDouble(Counter::count).sum();
        return all == 0 ? 0 : counters.get(CacheStatus.HIT).count() / all;
    }

    /** Times and counts one read. */
    StatsService.Served read(Cache cache, Supplier<StatsService.Served> read) {
        long start = System.nanoTime();
        StatsService.Served served = read.get();
        latency.get(cache).get(served.cache()).record(System.nanoTime() - start,
                java.util.concurrent.TimeUnit.NANOSECONDS);
        requests.get(cache).get(served.cache()).increment();
        return served;
    }

    /** Times the MongoDB query of a miss or a bypass. */
    Supplier<Object> query(Cache cache, Supplier<Object> query) {
        return () -> queries.get(cache).record(query);
    }
}

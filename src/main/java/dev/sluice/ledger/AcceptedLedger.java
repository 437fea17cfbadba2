package dev.sluice.ledger;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.sluice.config.SluiceConfig;
import dev.sluice.event.TrackedEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;

/**
 * The ingest side of the loss check: how many events ingest accepted, per minute of their {@code receivedAt}, kept in
 * Redis so that every instance (every Lambda environment) adds to one count that outlives it. Ingest records after
 * the sink holds the events and never fails a call over it: when Redis does not answer within
 * {@code sluice.ledger.timeout}, the count is missed, {@code sluice.ledger.failures} says so, and a loss check over
 * that minute reports itself inconclusive rather than a loss.
 */
@ApplicationScoped
public class AcceptedLedger {

    private static final Logger LOG = Logger.getLogger(AcceptedLedger.class);
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyyMMddHHmm")
            .withZone(ZoneOffset.UTC);
    private static final String ADD = "redis.call('INCRBY', KEYS[1], ARGV[1]) "
            + "return redis.call('PEXPIRE', KEYS[1], ARGV[2])";
    private static final int KEYS_PER_READ = 1000;

    private final ReactiveRedisDataSource redis;
    private final SluiceConfig config;
    private final Counter failures;

    public AcceptedLedger(ReactiveRedisDataSource redis, SluiceConfig config, MeterRegistry registry) {
        this.redis = redis;
        this.config = config;
        this.failures = Counter.builder("sluice.ledger.failures")
                .description("Accepted ingest calls the ledger could not count (Redis down or slow)")
                .register(registry);
    }

    /** Counts the accepted events of one call; never throws. */
    public void accepted(List<TrackedEvent> events) {
        acceptedCalls(List.of(events));
    }

    /**
     * Counts the accepted events of calls answered together (a send group of the queue) with one Redis call per
     * minute of their {@code receivedAt}, as many as if each call were counted on its own; never throws.
     */
    public void acceptedCalls(List<List<TrackedEvent>> calls) {
        if (!config.ledger().enabled()) {
            return;
        }
        Map<String, Integer> perMinute = new TreeMap<>();
        int events = 0;
        for (List<TrackedEvent> call : calls) {
            Set<String> ids = new HashSet<>();
            for (TrackedEvent event : call) {
                // an id twice in one call (of one user: ids are scoped to their user) is one event: stored once,
                // counted once
                if (ids.add(event.userId() + '\0' + event.id())) {
                    perMinute.merge(key(minute(receivedAtText(event))), 1, Integer::sum);
                }
            }
            events += call.size();
        }
        if (perMinute.isEmpty()) {
            return;
        }
        try {
            for (Map.Entry<String, Integer> minute : perMinute.entrySet()) {
                redis.execute("EVAL", ADD, "1", minute.getKey(), minute.getValue().toString(),
                        Long.toString(config.ledger().retention().toMillis()))
                        .await().atMost(config.ledger().timeout());
            }
        } catch (RuntimeException e) {
            failures.increment();
            LOG.warnf("ledger missed %d accepted events (the loss check over their minute will be inconclusive): %s",
                    events, e.getMessage());
        }
    }

    /** Calls this instance could not count since it started. */
    public long failures() {
        return (long) failures.count();
    }

    /** Events accepted with {@code receivedAt} in [from, to), both whole minutes. */
    public long sum(Instant from, Instant to) {
        List<String> keys = new ArrayList<>();
        for (Instant m = from.truncatedTo(ChronoUnit.MINUTES); m.isBefore(to); m = m.plus(1, ChronoUnit.MINUTES)) {
            keys.add(key(MINUTE.format(m)));
        }
        long total = 0;
        for (int i = 0; i < keys.size(); i += KEYS_PER_READ) {
            List<String> slice = keys.subList(i, Math.min(keys.size(), i + KEYS_PER_READ));
            Map<String, String> counts = redis.value(String.class).mget(slice.toArray(String[]::new)).await()
                    .atMost(config.ledger().timeout().multipliedBy(8));
            for (String count : counts.values()) {
                total += count == null ? 0 : Long.parseLong(count);
            }
        }
        return total;
    }

    private String key(String minute) {
        return config.stats().keyPrefix() + "ledger:accepted:" + minute;
    }

    /**
     * The minute of a {@code receivedAt} as {@code yyyyMMddHHmm}. Ingest writes it with {@link Instant#toString()}
     * ({@code 2026-11-27T14:05:09.123Z}), so the minute is read off its characters: parsing it cost a tenth of a
     * single-event call's CPU. Any other form is parsed.
     */
    static String minute(String receivedAt) {
        if (receivedAt.length() >= 20 && receivedAt.charAt(4) == '-' && receivedAt.charAt(7) == '-'
                && receivedAt.charAt(10) == 'T' && receivedAt.charAt(13) == ':' && receivedAt.charAt(16) == ':'
                && receivedAt.charAt(receivedAt.length() - 1) == 'Z') {
            return new StringBuilder(12).append(receivedAt, 0, 4).append(receivedAt, 5, 7).append(receivedAt, 8, 10)
                    .append(receivedAt, 11, 13).append(receivedAt, 14, 16).toString();
        }
        return MINUTE.format(Instant.parse(receivedAt));
    }

    /** When ingest received an event: the time the ledger counts it under (the loss check reads dead letters by it). */
    public static Instant receivedAt(TrackedEvent event) {
        return Instant.parse(receivedAtText(event));
    }

    private static String receivedAtText(TrackedEvent event) {
        return event.doc().get("receivedAt").asText();
    }
}

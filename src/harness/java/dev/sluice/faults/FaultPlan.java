package dev.sluice.faults;

import java.time.Duration;

/**
 * How long each part of a fault run lasts. {@code full} is the scenario of record (the production flush cadence and
 * visibility timeout, a 60 s MongoDB outage); {@code short} is the same sequence squeezed to about a minute per mode,
 * run by {@code ./mvnw verify}.
 *
 * @param flushEvery how often the schedule calls the flush (memory mode: how often the buffer is written)
 * @param kills SIGKILLs in the middle of a flush
 * @param backlog how long events pile up in the queue before a flush that gets killed
 * @param steady normal operation before and after each fault
 * @param visibilityTimeout how long a message received by a killed flush stays invisible
 * @param sendEvery the stream's pace: one request (1 or 5 events) this often
 */
public record FaultPlan(String name, Duration flushEvery, int kills, Duration backlog, Duration mongoOutage,
        Duration redisOutage, Duration queueOutage, Duration steady, Duration visibilityTimeout, Duration sendEvery) {

    public static FaultPlan quick() {
        return new FaultPlan("short", Duration.ofSeconds(2), 2, Duration.ofSeconds(3), Duration.ofSeconds(6),
                Duration.ofSeconds(4), Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofSeconds(10),
                Duration.ofMillis(40));
    }

    public static FaultPlan full() {
        return new FaultPlan("full", Duration.ofSeconds(30), 5, Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofSeconds(20), Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(60),
                Duration.ofMillis(40));
    }

    /** {@code -Dsluice.faults=full} or {@code short} (the default). */
    public static FaultPlan selected() {
        String name = System.getProperty("sluice.faults", "short");
        return switch (name) {
            case "full" -> full();
            case "short" -> quick();
            default -> throw new IllegalArgumentException("sluice.faults is full or short, not " + name);
        };
    }

    /** A flush stops receiving after this, well inside the visibility timeout (20 s of 60 in production). */
    Duration flushTimeBudget() {
        return visibilityTimeout.dividedBy(3);
    }

    /** A killed flush's fold is taken over after this, longer than any flush runs (2 minutes in production). */
    Duration recoverAfter() {
        return visibilityTimeout.multipliedBy(2);
    }
}

package dev.sluice.flush;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import dev.sluice.queue.EventQueue;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The flush's meters: runs by how they ended, events stored, duplicates and failures, duration and size, queue and
 * dead-letter depth before and after, and the age of the oldest message the run took (the flush lag).
 */
@ApplicationScoped
public class FlushMetrics {

    /** Why a flush counts as failed, the {@code cause} tag of {@code sluice.flush.failures}. */
    public enum Cause {
        /** MongoDB unreachable. */
        STORE_UNAVAILABLE,
        /** The queue unreachable. */
        QUEUE_UNAVAILABLE,
        /** MongoDB refused some events (not duplicates); their messages stay queued. */
        EVENTS_REJECTED,
        /** The flush threw. */
        ERROR;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Counter stored;
    private final Counter duplicates;
    private final Counter failedEvents;
    private final Counter deadLettered;
    private final Counter rejectedEvents;
    private final Timer duration;
    private final DistributionSummary size;
    private final AtomicLong depthBefore = new AtomicLong();
    private final AtomicLong depthAfter = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong lagSeconds = new AtomicLong();
    private final AtomicLong lastRun = new AtomicLong();

    public FlushMetrics(MeterRegistry registry) {
        this.registry = registry;
        stored = Counter.builder("sluice.flush.events.stored")
                .description("Events newly stored by the flush").register(registry);
        duplicates = Counter.builder("sluice.flush.events.duplicates")
                .description("Events already stored (redelivery or client retry), skipped").register(registry);
        failedEvents = Counter.builder("sluice.flush.events.failed")
                .description("Events not stored; their messages stay in the queue").register(registry);
        rejectedEvents = Counter.builder("sluice.flush.events.rejected")
                .description("Events MongoDB can never store as they are, each dead-lettered alone").register(registry);
        deadLettered = Counter.builder("sluice.flush.messages.dead.lettered")
                .description("Unparseable messages moved to the dead-letter queue").register(registry);
        duration = Timer.builder("sluice.flush.duration").description("Wall time of a flush").register(registry);
        size = DistributionSummary.builder("sluice.flush.size")
                .description("Events taken off the queue per flush").register(registry);
        Gauge.builder("sluice.flush.queue.depth.before", depthBefore, AtomicLong::get)
                .description("Messages in the queue (waiting and in flight) when the last flush began")
                .register(registry);
        Gauge.builder("sluice.flush.queue.depth.after", depthAfter, AtomicLong::get)
                .description("Messages in the queue (waiting and in flight) when the last flush ended")
                .register(registry);
        Gauge.builder("sluice.dlq.depth", deadLetters, AtomicLong::get)
                .description("Messages in the dead-letter queue at the last flush").register(registry);
        Gauge.builder("sluice.flush.lag", lagSeconds, AtomicLong::get).baseUnit("seconds")
                .description("Age of the oldest message the last flush took off the queue").register(registry);
        Gauge.builder("sluice.flush.last.run", lastRun, AtomicLong::get).baseUnit("seconds")
                .description("When the last flush ended, epoch seconds").register(registry);
        for (Cause cause : Cause.values()) {
            registry.counter("sluice.flush.failures", "cause", cause.tag());
        }
    }

    void before(EventQueue.Depth depth) {
        depthBefore.set(depth.visible() + depth.inFlight());
        deadLetters.set(depth.deadLetters());
    }

    void after(EventQueue.Depth depth) {
        depthAfter.set(depth.visible() + depth.inFlight());
        deadLetters.set(depth.deadLetters());
    }

    void oldestTaken(Duration age) {
        lagSeconds.set(Math.max(0, age.toSeconds()));
    }

    void ran(FlushReport report) {
        registry.counter("sluice.flush.runs", "stop", report.stop().name().toLowerCase(Locale.ROOT)).increment();
        stored.increment(report.inserted());
        duplicates.increment(report.duplicates());
        failedEvents.increment(report.failed());
        rejectedEvents.increment(report.rejected());
        deadLettered.increment(report.deadLettered());
        duration.record(report.durationMs(), TimeUnit.MILLISECONDS);
        size.record(report.events());
        lastRun.set(System.currentTimeMillis() / 1000);
        switch (report.stop()) {
            case STORE_UNAVAILABLE -> failed(Cause.STORE_UNAVAILABLE);
            case QUEUE_UNAVAILABLE -> failed(Cause.QUEUE_UNAVAILABLE);
            default -> {
                if (report.failed() > 0) {
                    failed(Cause.EVENTS_REJECTED);
                }
            }
        }
    }

    void failed(Cause cause) {
        registry.counter("sluice.flush.failures", "cause", cause.tag()).increment();
    }
}

package dev.sluice.audit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import jakarta.enterprise.context.ApplicationScoped;

import org.bson.conversions.Bson;

import com.mongodb.client.model.Filters;

import dev.sluice.config.SluiceConfig;
import dev.sluice.config.WriteMode;
import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;
import dev.sluice.flush.FlushReport;
import dev.sluice.flush.Flusher;
import dev.sluice.ledger.AcceptedLedger;
import dev.sluice.queue.EventQueue;
import dev.sluice.queue.MessageCodec;
import dev.sluice.queue.PoisonMessageException;
import dev.sluice.sink.MemorySink;
import dev.sluice.store.SluiceCollections;

/**
 * "No lost events, verified": for the events received in a period, what ingest accepted (the {@link AcceptedLedger})
 * against what is stored in MongoDB, plus client resends (accepted twice, stored once), plus what is in the
 * dead-letter queue. The queue is drained first, so events still on their way are stored before they are counted;
 * if it cannot be drained, the answer is inconclusive rather than a false loss.
 */
@ApplicationScoped
public class LossCheck {

    /** Flushes the check runs at most to drain the queue. */
    static final int DRAIN_FLUSHES = 20;
    /** Dead letters read at most. */
    static final int DEAD_LETTERS_READ = 10_000;

    private final AcceptedLedger ledger;
    private final SluiceCollections collections;
    private final EventQueue queue;
    private final MessageCodec codec;
    private final Flusher flusher;
    private final MemorySink memory;
    private final SluiceConfig config;
    private final Clock clock;

    public LossCheck(AcceptedLedger ledger, SluiceCollections collections, EventQueue queue, MessageCodec codec,
            Flusher flusher, MemorySink memory, SluiceConfig config, Clock clock) {
        this.ledger = ledger;
        this.collections = collections;
        this.queue = queue;
        this.codec = codec;
        this.flusher = flusher;
        this.memory = memory;
        this.config = config;
        this.clock = clock;
    }

    public LossReport check(Instant from, Instant to, boolean drain) {
        if (drain) {
            drain();
        }
        long queued = queued();
        long accepted = ledger.sum(from, to);
        Bson period = Filters.and(Filters.gte("receivedAt", Date.from(from)), Filters.lt("receivedAt", Date.from(to)));
        long stored = 0;
        for (EventKind kind : EventKind.values()) {
            stored += collections.events(kind).countDocuments(period);
        }
        long resent = collections.resent().countDocuments(period);
        long deadLettered = 0;
        long unreadable = 0;
        if (config.writeMode() == WriteMode.QUEUE) {
            for (String body : queue.peekDeadLetters(DEAD_LETTERS_READ, Duration.ofSeconds(30))) {
                try {
                    for (TrackedEvent event : codec.unpack(body)) {
                        Instant at = AcceptedLedger.receivedAt(event);
                        if (!at.isBefore(from) && at.isBefore(to)) {
                            deadLettered++;
                        }
                    }
                } catch (PoisonMessageException e) {
                    unreadable++;
                }
            }
        }
        long missing = accepted - stored - resent - deadLettered;
        long failures = ledger.failures();
        LossReport.Verdict verdict;
        String reason;
        if (from.isBefore(clock.instant().minus(config.mongo().retention()))) {
            verdict = LossReport.Verdict.INCONCLUSIVE;
            reason = "the period starts before the raw-event retention (" + config.mongo().retention() + ")";
        } else if (from.isBefore(clock.instant().minus(config.ledger().retention()))) {
            verdict = LossReport.Verdict.INCONCLUSIVE;
            reason = "the period starts before the ledger retention (" + config.ledger().retention() + ")";
        } else if (queued > 0) {
            verdict = LossReport.Verdict.INCONCLUSIVE;
            reason = queued + " message(s) still queued after the drain; run the check again";
        } else if (unreadable > 0 && missing > 0) {
            verdict = LossReport.Verdict.INCONCLUSIVE;
            reason = unreadable + " unreadable dead letter(s) may hold the " + missing + " missing event(s)";
        } else if (missing < 0) {
            verdict = LossReport.Verdict.INCONCLUSIVE;
            reason = "more events stored than counted: the ledger missed counts (Redis down during ingest, see "
                    + "sluice.ledger.failures)";
        } else if (missing > 0) {
            verdict = LossReport.Verdict.LOSS;
            reason = missing + " accepted event(s) are neither stored nor in the dead-letter queue";
        } else {
            verdict = LossReport.Verdict.NO_LOSS;
            reason = "every accepted event is stored or dead-lettered";
        }
        return new LossReport(from, to, accepted, stored, resent, deadLettered, unreadable, queued, failures,
                missing, verdict, reason);
    }

    /** Stores what is waiting. */
    private void drain() {
        if (config.writeMode() == WriteMode.MEMORY) {
            memory.flush();
        } else if (config.writeMode() == WriteMode.QUEUE) {
            for (int i = 0; i < DRAIN_FLUSHES; i++) {
                FlushReport report = flusher.flush();
                if (report.stop() != FlushReport.Stop.EVENT_BUDGET && report.stop() != FlushReport.Stop.TIME_BUDGET) {
                    return;
                }
            }
        }
    }

    /** Events not stored yet: messages in the queue, or events in the memory buffer. */
    private long queued() {
        return switch (config.writeMode()) {
            case QUEUE -> {
                EventQueue.Depth depth = queue.depth();
                yield depth.visible() + depth.inFlight();
            }
            case MEMORY -> memory.buffered();
            case DIRECT -> 0;
        };
    }
}

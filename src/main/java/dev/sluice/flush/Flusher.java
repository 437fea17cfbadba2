package dev.sluice.flush;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import com.mongodb.MongoException;

import dev.sluice.concurrent.Futures;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.WriteMode;
import dev.sluice.event.TrackedEvent;
import dev.sluice.queue.EventQueue;
import dev.sluice.queue.MessageCodec;
import dev.sluice.queue.PoisonMessageException;
import dev.sluice.queue.QueueUnavailableException;
import dev.sluice.queue.ReceivedMessage;
import dev.sluice.rollup.Rollups;
import dev.sluice.store.BulkWriter;
import dev.sluice.store.EventStore;

/**
 * The flush: drains the queue into MongoDB. It knows nothing of what triggers it; the scheduler (long-running mode),
 * the internal route (the Lambda schedule) and the tests all call {@link #flush()}.
 *
 * <p>Each round receives a batch of messages, unpacks them (an unparseable one goes to the dead-letter queue at
 * once), writes their events with unordered bulk inserts, and deletes exactly the messages whose every event is
 * stored, a duplicate key counting as stored. Anything else stays in the queue and comes back after the visibility
 * timeout; after {@code maxReceiveCount} receives SQS moves it to the dead-letter queue. Because the event id is the
 * {@code _id}, a redelivered message, or a flush that dies between insert and delete, stores nothing twice.
 *
 * <p>The writes of a flush store their events claimed by one fold, which counts them into the rollups at the end of
 * the flush ({@link Rollups.Writes}), so stats and their cache see them in the same cycle. Messages are deleted once
 * their events are stored, before that count: the fold's journal keeps what is left to count. In the {@code direct}
 * and {@code memory} write modes there is no queue to drain and a flush only folds.
 */
@ApplicationScoped
public class Flusher {

    private static final Logger LOG = Logger.getLogger(Flusher.class);

    private final EventQueue queue;
    private final MessageCodec codec;
    private final BulkWriter writer;
    private final EventStore store;
    private final Rollups rollups;
    private final FlushMetrics metrics;
    private final SluiceConfig.Flush config;
    private final WriteMode writeMode;
    /** One flush at a time in a process, whoever triggers it. */
    private final ReentrantLock running = new ReentrantLock();
    /** The flush's queue calls beside its writes ({@link Beside}). */
    private final ExecutorService queueWork = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "sluice-flush-queue");
        thread.setDaemon(true);
        return thread;
    });

    public Flusher(EventQueue queue, MessageCodec codec, BulkWriter writer, EventStore store, Rollups rollups,
            FlushMetrics metrics, SluiceConfig config) {
        this.queue = queue;
        this.codec = codec;
        this.writer = writer;
        this.store = store;
        this.rollups = rollups;
        this.metrics = metrics;
        this.config = config.flush();
        this.writeMode = config.writeMode();
    }

    @PreDestroy
    void stop() {
        queueWork.shutdownNow();
    }

    public FlushReport flush() {
        long start = System.nanoTime();
        if (!running.tryLock()) {
            return FlushReport.nothing(FlushReport.Stop.ALREADY_RUNNING, 0);
        }
        try {
            measureDepth(metrics::before);
            FlushReport report = drain(start);
            measureDepth(metrics::after);
            metrics.ran(report);
            log(report);
            return report;
        } catch (RuntimeException | Error e) {
            metrics.failed(FlushMetrics.Cause.ERROR);
            throw e;
        } finally {
            running.unlock();
        }
    }

    private void measureDepth(Consumer<EventQueue.Depth> into) {
        if (writeMode != WriteMode.QUEUE) {
            return;
        }
        try {
            into.accept(queue.depth());
        } catch (QueueUnavailableException e) {
            LOG.debugf("queue depth not measured: %s", e.getMessage());
        }
    }

    /** The flush summary: counts only, never an event; its fields are structured (MDC) in the JSON log. */
    private static void log(FlushReport report) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("flush.messages", report.messages());
        fields.put("flush.events", report.events());
        fields.put("flush.stored", report.inserted());
        fields.put("flush.duplicates", report.duplicates());
        fields.put("flush.failed", report.failed());
        fields.put("flush.rejected", report.rejected());
        fields.put("flush.deadLettered", report.deadLettered());
        fields.put("flush.deleted", report.deleted());
        fields.put("flush.durationMs", report.durationMs());
        fields.put("flush.stop", report.stop().name());
        fields.forEach(MDC::put);
        try {
            LOG.infof("flush: messages=%d events=%d stored=%d duplicates=%d failed=%d rejected=%d deadLettered=%d "
                    + "deleted=%d durationMs=%d stop=%s", report.messages(), report.events(), report.inserted(),
                    report.duplicates(), report.failed(), report.rejected(), report.deadLettered(), report.deleted(),
                    report.durationMs(), report.stop());
        } finally {
            fields.keySet().forEach(MDC::remove);
        }
    }

    private FlushReport drain(long start) {
        long deadline = start + config.timeBudget().toNanos();
        if (!store.isReachable()) {
            return FlushReport.nothing(FlushReport.Stop.STORE_UNAVAILABLE, millisSince(start));
        }
        // events stored but not counted yet: by the direct or memory mode, or by a flush whose fold failed or died
        try {
            rollups.recover();
        } catch (MongoException e) {
            LOG.warnf("rollup recovery failed, retried next flush: %s", e.getMessage());
        }
        rollups.tryFold();
        if (writeMode != WriteMode.QUEUE) {
            return FlushReport.nothing(FlushReport.Stop.QUEUE_EMPTY, millisSince(start));
        }
        Beside beside = new Beside();
        Rollups.Writes fold = rollups.begin();
        FlushReport report;
        try {
            report = rounds(deadline, beside, fold);
            fold.finish();
        } catch (RuntimeException | Error e) {
            beside.abandon();
            throw e;
        }
        beside.finish();
        return report.ended(report.stop(), millisSince(start));
    }

    private FlushReport rounds(long deadline, Beside beside, Rollups.Writes fold) {
        FlushReport total = FlushReport.nothing(FlushReport.Stop.QUEUE_EMPTY, 0);
        while (true) {
            if (total.events() >= config.maxEvents()) {
                return total.ended(FlushReport.Stop.EVENT_BUDGET, 0);
            }
            if (System.nanoTime() >= deadline) {
                return total.ended(FlushReport.Stop.TIME_BUDGET, 0);
            }
            Round result;
            try {
                Unpacked unpacked = beside.take(deadline);
                if (unpacked.messages() == 0) {
                    return total.ended(FlushReport.Stop.QUEUE_EMPTY, 0);
                }
                if (total.messages() == 0) {
                    metrics.oldestTaken(Duration.ofMillis(System.currentTimeMillis() - unpacked.oldestSentAt()));
                }
                if (total.events() + unpacked.events().size() < config.maxEvents()) {
                    beside.prefetch(deadline);
                }
                result = store(unpacked, beside, fold);
            } catch (QueueUnavailableException e) {
                LOG.warnf("flush stopped, queue unavailable: %s", e.getMessage());
                return total.ended(FlushReport.Stop.QUEUE_UNAVAILABLE, 0);
            }
            total = total.plus(result.report());
            if (result.storeUnavailable()) {
                return total.ended(FlushReport.Stop.STORE_UNAVAILABLE, 0);
            }
        }
    }

    /**
     * The queue's work beside the writes, one call at a time on a thread of its own: the next round is received and
     * unpacked while this one is written, and a round's messages are deleted while the next is. Everything it
     * started is waited for before the flush returns, so nothing runs on between two Lambda invocations.
     */
    private final class Beside {
        private CompletableFuture<Unpacked> next;
        private CompletableFuture<Void> deletes = CompletableFuture.completedFuture(null);

        /** The round received beside the last write, or one received now. */
        Unpacked take(long deadline) {
            if (next == null) {
                return unpack(receiveRound(deadline));
            }
            CompletableFuture<Unpacked> taken = next;
            next = null;
            return Futures.join(taken);
        }

        void prefetch(long deadline) {
            next = CompletableFuture.supplyAsync(() -> unpack(receiveRound(deadline)), queueWork);
        }

        void delete(List<ReceivedMessage> stored) {
            deletes = deletes.thenRunAsync(() -> queue.delete(stored), queueWork);
        }

        /** Waits for the deletes, and gives back a round received but not taken. */
        void finish() {
            abandon();
            Futures.join(deletes);
        }

        /** Waits for what is under way, whatever its outcome; a round received but not taken goes back. */
        void abandon() {
            if (next != null) {
                Unpacked untaken = next.handle((received, error) -> received).join();
                next = null;
                if (untaken != null && !untaken.parsed().isEmpty()) {
                    queue.release(untaken.parsed());
                }
            }
            deletes.handle((done, error) -> null).join();
        }
    }

    private List<ReceivedMessage> receiveRound(long deadline) {
        List<ReceivedMessage> round = new ArrayList<>();
        Duration firstWait = config.receiveWait();
        long bytes = 0;
        while (round.size() < config.messagesPerRound() && bytes < config.roundBytes()
                && System.nanoTime() < deadline) {
            List<ReceivedMessage> got = queue.receive(config.messagesPerRound() - round.size(),
                    config.visibilityTimeout(), round.isEmpty() ? firstWait : Duration.ZERO);
            if (got.isEmpty()) {
                break;
            }
            round.addAll(got);
            for (ReceivedMessage message : got) {
                bytes += message.body().length();
            }
        }
        return round;
    }

    private record Round(FlushReport report, boolean storeUnavailable) {
    }

    /**
     * A round's messages unpacked: their events, and for each event the position of its message in {@code parsed};
     * a message that cannot be read goes to the dead-letter queue here.
     */
    private record Unpacked(int messages, List<TrackedEvent> events, List<Integer> owner,
            List<ReceivedMessage> parsed, int deadLettered, long oldestSentAt) {
    }

    private Unpacked unpack(List<ReceivedMessage> messages) {
        List<TrackedEvent> events = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        List<ReceivedMessage> parsed = new ArrayList<>(messages.size());
        int deadLettered = 0;
        for (ReceivedMessage message : messages) {
            List<TrackedEvent> unpacked;
            try {
                unpacked = codec.unpack(message.body());
            } catch (PoisonMessageException e) {
                LOG.warnf("message %s sent to the dead-letter queue: %s", message.messageId(), e.reason());
                queue.deadLetter(message, e.reason());
                deadLettered++;
                continue;
            }
            for (TrackedEvent event : unpacked) {
                events.add(event);
                owner.add(parsed.size());
            }
            parsed.add(message);
        }
        long oldest = messages.stream().mapToLong(ReceivedMessage::sentAtMillis).filter(t -> t > 0).min()
                .orElse(System.currentTimeMillis());
        return new Unpacked(messages.size(), events, owner, parsed, deadLettered, oldest);
    }

    private Round store(Unpacked round, Beside beside, Rollups.Writes fold) {
        List<ReceivedMessage> parsed = round.parsed();
        BulkWriter.Outcome outcome = fold.write(writer, round.events(), config.insertChunkSize());
        BitSet keep = new BitSet(parsed.size());
        outcome.failed().stream().forEach(i -> keep.set(round.owner().get(i)));
        int rejected = deadLetterAlone(round, outcome.rejected(), keep);
        List<ReceivedMessage> stored = new ArrayList<>(parsed.size());
        for (int m = 0; m < parsed.size(); m++) {
            if (!keep.get(m)) {
                stored.add(parsed.get(m));
            }
        }
        beside.delete(stored);
        FlushReport report = new FlushReport(round.messages(), round.events().size(), outcome.inserted(),
                outcome.duplicates(), outcome.failed().cardinality(), rejected, round.deadLettered(), stored.size(),
                0, FlushReport.Stop.QUEUE_EMPTY);
        return new Round(report, outcome.storeUnavailable());
    }

    /**
     * Sends each event MongoDB can never store as it is to the dead-letter queue alone, with a reason naming the event
     * and the rule, so that the other events of its message are stored and the message deleted in this flush (before,
     * the message came back until SQS dead-lettered it whole, other users' events with it). A message that stays in
     * the queue anyway ({@code keep}: some of its events failed for a reason outside them) keeps its unstorable events
     * too, for the flush that deletes it, so that each is dead-lettered once. An event whose dead letter cannot be sent
     * keeps its message in the queue. Returns the events dead-lettered.
     */
    private int deadLetterAlone(Unpacked round, Map<Integer, String> rejected, BitSet keep) {
        BitSet keptAnyway = (BitSet) keep.clone();
        int sent = 0;
        for (Map.Entry<Integer, String> entry : rejected.entrySet()) {
            TrackedEvent event = round.events().get(entry.getKey());
            int message = round.owner().get(entry.getKey());
            if (keptAnyway.get(message)) {
                continue;
            }
            String reason = PoisonMessageException.rejected(event.kind().wireName(), event.id(), event.userId(),
                    entry.getValue());
            try {
                // packed anew, in the current message version (an event of a version 1 message comes back, if
                // replayed, with its id scoped to its user)
                queue.deadLetter(codec.pack(List.of(event)).get(0), reason);
                sent++;
                LOG.warnf("event %s sent to the dead-letter queue alone: %s", event.id(), reason);
            } catch (QueueUnavailableException e) {
                LOG.warnf("event %s could not be dead-lettered, its message stays queued: %s", event.id(),
                        e.getMessage());
                keep.set(message);
            }
        }
        return sent;
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}

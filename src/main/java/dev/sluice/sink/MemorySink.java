package dev.sluice.sink;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Typed;

import org.jboss.logging.Logger;

import dev.sluice.config.SluiceConfig;
import dev.sluice.config.WriteMode;
import dev.sluice.event.TrackedEvent;
import dev.sluice.ledger.AcceptedLedger;
import dev.sluice.rollup.Rollups;
import dev.sluice.store.BulkWriter;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * The {@code memory} write mode: the design Sluice replaces, kept for long-lived servers without a queue and as the
 * benchmark baseline. Events wait in a bounded in-process buffer that is written at {@code sluice.memory.flush-at}
 * events or every {@code sluice.memory.every}. What the buffer holds when the process dies is lost; when it is full,
 * ingest answers 503 rather than growing without limit.
 */
@ApplicationScoped
@Typed(MemorySink.class)
public class MemorySink implements EventSink {

    private static final Logger LOG = Logger.getLogger(MemorySink.class);

    private final BulkWriter writer;
    private final Rollups rollups;
    private final SluiceConfig config;
    private final AcceptedLedger ledger;
    private final ArrayBlockingQueue<TrackedEvent> buffer;
    private final AtomicBoolean flushPending = new AtomicBoolean();
    private final Object writeLock = new Object();
    private volatile ExecutorService background;

    public MemorySink(BulkWriter writer, Rollups rollups, SluiceConfig config, AcceptedLedger ledger) {
        this.writer = writer;
        this.rollups = rollups;
        this.config = config;
        this.ledger = ledger;
        this.buffer = new ArrayBlockingQueue<>(config.memory().capacity());
    }

    /** On a worker thread, as the ledger's count blocks. */
    @Override
    public Uni<Void> accept(List<TrackedEvent> events) {
        return EventSink.onWorker(() -> buffer(events));
    }

    private void buffer(List<TrackedEvent> events) {
        synchronized (buffer) {
            if (buffer.remainingCapacity() < events.size()) {
                throw new SinkUnavailableException("in-memory buffer full (" + config.memory().capacity()
                        + " events)", null);
            }
            buffer.addAll(events);
        }
        ledger.accepted(events);
        if (buffer.size() >= config.memory().flushAt() && flushPending.compareAndSet(false, true)) {
            executor().execute(() -> {
                flushPending.set(false);
                flush();
            });
        }
    }

    /** Writes everything buffered now; returns how many events were stored. */
    public int flush() {
        synchronized (writeLock) {
            List<TrackedEvent> batch = new ArrayList<>(buffer.size());
            buffer.drainTo(batch);
            if (batch.isEmpty()) {
                return 0;
            }
            Rollups.Writes fold = rollups.begin();
            BulkWriter.Outcome outcome = fold.write(writer, batch, config.flush().insertChunkSize());
            fold.finish();
            int lost = 0;
            for (int i = outcome.failed().nextSetBit(0); i >= 0; i = outcome.failed().nextSetBit(i + 1)) {
                if (!buffer.offer(batch.get(i))) {
                    lost++;
                }
            }
            if (lost > 0) {
                LOG.errorf("in-memory buffer: %d events lost, MongoDB failed and the buffer is full", lost);
            }
            if (!outcome.rejected().isEmpty()) {
                LOG.errorf("in-memory buffer: %d events dropped, MongoDB can never store them (first: %s)",
                        outcome.rejected().size(), outcome.rejected().values().iterator().next());
            }
            return outcome.inserted() + outcome.duplicates();
        }
    }

    public int buffered() {
        return buffer.size();
    }

    @Scheduled(every = "${sluice.memory.every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void everyInterval() {
        if (config.writeMode() == WriteMode.MEMORY) {
            flush();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (config.writeMode() == WriteMode.MEMORY) {
            flush();
        }
        if (background != null) {
            background.shutdown();
        }
    }

    private ExecutorService executor() {
        if (background == null) {
            synchronized (this) {
                if (background == null) {
                    background = Executors.newSingleThreadExecutor(r -> {
                        Thread t = new Thread(r, "sluice-memory-flush");
                        t.setDaemon(true);
                        return t;
                    });
                }
            }
        }
        return background;
    }
}

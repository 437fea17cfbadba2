package dev.sluice.sink;

import java.util.List;

import dev.sluice.event.TrackedEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Where ingest hands accepted events, chosen by {@code sluice.write-mode}: {@link QueueSink} (default),
 * {@link DirectSink} or {@link MemorySink}.
 */
public interface EventSink {

    /**
     * Takes the events; completes only once they are as durable as this sink makes them and counted in the accepted
     * ledger ({@link dev.sluice.ledger.AcceptedLedger}), which counts only what a sink holds. It may be called on an
     * event loop: a sink that blocks does so on a worker thread.
     *
     * The returned {@code Uni} fails with {@link SinkUnavailableException} when they could not be taken; none may then
     * be assumed accepted.
     */
    Uni<Void> accept(List<TrackedEvent> events);

    /** A sink's work that blocks, on a worker thread. */
    static Uni<Void> onWorker(Runnable work) {
        return Uni.createFrom().<Void>item(() -> {
            work.run();
            return null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}

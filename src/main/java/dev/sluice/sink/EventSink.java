package dev.sluice.sink;

import java.util.List;

import dev.sluice.event.TrackedEvent;

/**
 * Where ingest hands accepted events, chosen by {@code sluice.write-mode}: {@link QueueSink} (default),
 * {@link DirectSink} or {@link MemorySink}.
 */
public interface EventSink {

    /**
     * Takes the events; returns only once they are as durable as this sink makes them and counted in the accepted
     * ledger ({@link dev.sluice.audit.AcceptedLedger}), which counts only what a sink holds.
     *
     * @throws SinkUnavailableException when they could not be taken; none may be assumed accepted
     */
    void accept(List<TrackedEvent> events);
}

package dev.sluice.sink;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;

import dev.sluice.event.TrackedEvent;
import dev.sluice.ledger.AcceptedLedger;
import dev.sluice.store.EventStore;
import dev.sluice.store.StoreUnavailableException;
import io.smallrye.mutiny.Uni;

/**
 * The {@code direct} write mode: the behaviour before Sluice, one {@code insertOne} per event on the request path.
 * It is the rollback switch: set {@code sluice.write-mode=direct} and no queue is involved.
 */
@ApplicationScoped
@Typed(DirectSink.class)
public class DirectSink implements EventSink {

    private final EventStore store;
    private final AcceptedLedger ledger;

    public DirectSink(EventStore store, AcceptedLedger ledger) {
        this.store = store;
        this.ledger = ledger;
    }

    /** On a worker thread, as the driver blocks. */
    @Override
    public Uni<Void> accept(List<TrackedEvent> events) {
        return EventSink.onWorker(() -> insert(events));
    }

    private void insert(List<TrackedEvent> events) {
        try {
            for (TrackedEvent event : events) {
                store.insertOne(event);
            }
        } catch (StoreUnavailableException e) {
            throw new SinkUnavailableException(e.getMessage(), e);
        }
        ledger.accepted(events);
    }
}

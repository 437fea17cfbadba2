package dev.sluice.ingest;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.sluice.audit.AcceptedLedger;
import dev.sluice.event.TrackedEvent;
import dev.sluice.sink.EventSink;

/** Hands validated events to the write path of the configured write mode. */
@ApplicationScoped
public class IngestService {

    private final EventSink sink;
    private final AcceptedLedger ledger;

    public IngestService(EventSink sink, AcceptedLedger ledger) {
        this.sink = sink;
        this.ledger = ledger;
    }

    /** Returns the receipt once the sink holds every event; throws, accepting none, otherwise. */
    public IngestReceipt accept(List<TrackedEvent> events) {
        sink.accept(events);
        ledger.accepted(events);
        return new IngestReceipt(events.size(), events.stream().map(TrackedEvent::id).toList());
    }
}

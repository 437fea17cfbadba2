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
    private final UserRateLimit limit;

    public IngestService(EventSink sink, AcceptedLedger ledger, UserRateLimit limit) {
        this.sink = sink;
        this.ledger = ledger;
        this.limit = limit;
    }

    /**
     * Returns the receipt once the sink holds every event; throws, accepting none, otherwise (over a user's rate
     * limit, or the sink unavailable).
     */
    public IngestReceipt accept(List<TrackedEvent> events) {
        limit.admit(events);
        sink.accept(events);
        ledger.accepted(events);
        return new IngestReceipt(events.size(), events.stream().map(TrackedEvent::id).toList());
    }
}

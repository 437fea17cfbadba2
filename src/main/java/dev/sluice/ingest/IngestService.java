package dev.sluice.ingest;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.sluice.event.TrackedEvent;
import dev.sluice.security.CallerKey;
import dev.sluice.sink.EventSink;

/**
 * Hands validated events to the write path of the configured write mode, which counts them in the accepted ledger
 * ({@link dev.sluice.audit.AcceptedLedger}) once it holds them.
 */
@ApplicationScoped
public class IngestService {

    private final EventSink sink;
    private final IngestRateLimit limit;
    private final CallerKey caller;

    public IngestService(EventSink sink, IngestRateLimit limit, CallerKey caller) {
        this.sink = sink;
        this.limit = limit;
        this.caller = caller;
    }

    /**
     * Returns the receipt once the sink holds every event; throws, accepting none, otherwise (over a user's rate
     * limit or its key's, or the sink unavailable).
     */
    public IngestReceipt accept(List<TrackedEvent> events) {
        limit.admit(events, caller.writeKeyId());
        sink.accept(events);
        return new IngestReceipt(events.size(), events.stream().map(TrackedEvent::id).toList());
    }
}

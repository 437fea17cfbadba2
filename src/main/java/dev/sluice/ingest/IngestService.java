package dev.sluice.ingest;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.sluice.event.TrackedEvent;
import dev.sluice.security.CallerKey;
import dev.sluice.sink.EventSink;
import io.smallrye.mutiny.Uni;

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
     * The receipt, once the sink holds every event; a failure, accepting none, otherwise (over a user's rate limit or
     * its key's, or the sink unavailable). Nothing here blocks the calling thread.
     */
    public Uni<IngestReceipt> accept(List<TrackedEvent> events) {
        return limit.admit(events, caller.writeKeyId()).chain(() -> sink.accept(events))
                .map(none -> new IngestReceipt(events.size(), events.stream().map(TrackedEvent::id).toList()));
    }
}

package dev.sluice.ingest;

import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import dev.sluice.event.TrackedEvent;
import dev.sluice.security.CallerKey;
import dev.sluice.sink.EventSink;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Hands validated events to the write path of the configured write mode, which counts them in the accepted ledger
 * ({@link dev.sluice.ledger.AcceptedLedger}) once it holds them.
 */
@ApplicationScoped
public class IngestService {

    /**
     * Bodies above this size are parsed on a worker thread: a batch of 2,500 events (500 KB) would hold its event loop,
     * and every call waiting on it, for tens of milliseconds.
     */
    static final int EVENT_LOOP_BODY_BYTES = 64 * 1024;

    private final EventSink sink;
    private final IngestRateLimit limit;
    private final CallerKey caller;

    public IngestService(EventSink sink, IngestRateLimit limit, CallerKey caller) {
        this.sink = sink;
        this.limit = limit;
        this.caller = caller;
    }

    /** Parses a call's body (on the event loop when it is small) and accepts its events. */
    public Uni<IngestReceipt> accept(byte[] body, Function<byte[], List<TrackedEvent>> parse) {
        if (body.length <= EVENT_LOOP_BODY_BYTES) {
            return accept(parse.apply(body));
        }
        return Uni.createFrom().item(() -> parse.apply(body)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(this::accept);
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

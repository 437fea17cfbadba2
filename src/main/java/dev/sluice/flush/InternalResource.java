package dev.sluice.flush;

import java.util.Map;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.sluice.queue.EventQueue;
import io.smallrye.common.annotation.Blocking;

/**
 * Operator routes, never routed publicly: the API Gateway has no route to {@code /internal/*}; the flush schedule
 * invokes the flush function with an HTTP-shaped event for {@code POST /internal/flush}.
 */
@Path("/internal")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class InternalResource {

    private final Flusher flusher;
    private final EventQueue queue;

    public InternalResource(Flusher flusher, EventQueue queue) {
        this.flusher = flusher;
        this.queue = queue;
    }

    @POST
    @Path("/flush")
    public FlushReport flush() {
        return flusher.flush();
    }

    /** Moves dead-lettered messages back to the main queue, once their cause is fixed. */
    @POST
    @Path("/dlq/replay")
    public Map<String, Integer> replay(@QueryParam("max") @DefaultValue("10000") int max) {
        return Map.of("replayed", queue.replayDeadLetters(max));
    }
}

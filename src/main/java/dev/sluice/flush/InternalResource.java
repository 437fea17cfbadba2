package dev.sluice.flush;

import java.util.Map;

import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.sluice.config.SluiceConfig;
import dev.sluice.config.WriteMode;
import dev.sluice.queue.EventQueue;
import dev.sluice.sink.MemorySink;
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
    private final SluiceConfig config;
    private final Instance<MemorySink> memory;

    public InternalResource(Flusher flusher, EventQueue queue, SluiceConfig config, Instance<MemorySink> memory) {
        this.flusher = flusher;
        this.queue = queue;
        this.config = config;
        this.memory = memory;
    }

    /**
     * Flushes the queue; in {@code memory} mode, the in-process buffer first (once this answers, nothing of what was
     * accepted before waits in this process, nor is being written by it).
     */
    @POST
    @Path("/flush")
    public FlushReport flush() {
        if (config.writeMode() == WriteMode.MEMORY) {
            memory.get().flush();
        }
        return flusher.flush();
    }

    /** Moves dead-lettered messages back to the main queue, once their cause is fixed. */
    @POST
    @Path("/dlq/replay")
    public Map<String, Integer> replay(@QueryParam("max") @DefaultValue("10000") int max) {
        return Map.of("replayed", queue.replayDeadLetters(max));
    }
}

package dev.sluice.audit;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.sluice.api.InvalidRequestException;
import dev.sluice.api.Problem;
import dev.sluice.api.UserIdParam;
import dev.sluice.event.EventKind;
import dev.sluice.store.StoredEvents;
import io.smallrye.common.annotation.Blocking;

/**
 * Internal: {@code GET /internal/events?userId=&kind=ai_usage|analytics&limit=20}, a user's newest stored events, to
 * see what a flush wrote. Here beside the loss check, the other look at what was stored, so that {@code store} imports
 * nothing above it.
 */
@Path("/internal/events")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class StoredEventsResource {

    static final int MAX_LIMIT = 100;

    private final StoredEvents events;

    public StoredEventsResource(StoredEvents events) {
        this.events = events;
    }

    @GET
    public String newest(@QueryParam("userId") String userId,
            @QueryParam("kind") @DefaultValue("ai_usage") String kind,
            @QueryParam("limit") @DefaultValue("20") int limit) {
        EventKind eventKind = EventKind.fromWireName(kind);
        if (eventKind == null) {
            throw new InvalidRequestException(Problem.ofRequest("kind", "must be ai_usage or analytics"));
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidRequestException(Problem.ofRequest("limit", "must be 1-" + MAX_LIMIT));
        }
        return events.newest(eventKind, UserIdParam.require(userId), limit);
    }
}

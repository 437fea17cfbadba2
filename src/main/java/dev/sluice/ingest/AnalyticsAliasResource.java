package dev.sluice.ingest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.smallrye.mutiny.Uni;

/** The route the web app used before Sluice: an alias of {@code POST /v1/track}. */
@Path("/api/analytics/track")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class AnalyticsAliasResource {

    private final SegmentResource segment;

    public AnalyticsAliasResource(SegmentResource segment) {
        this.segment = segment;
    }

    @POST
    public Uni<Response> track(byte[] body) {
        return segment.single("track", body);
    }
}

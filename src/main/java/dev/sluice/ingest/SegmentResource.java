package dev.sluice.ingest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.sluice.security.ApiKeys;
import dev.sluice.security.AuthFilter;
import dev.sluice.security.CallerKey;
import io.smallrye.mutiny.Uni;

/**
 * The Segment HTTP Tracking API ({@code /v1/track}, {@code identify}, {@code page}, {@code screen}, {@code group},
 * {@code alias}, {@code batch}). The web app's old analytics route is {@link AnalyticsAliasResource}.
 */
@Path("/v1")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class SegmentResource {

    private final SegmentParser parser;
    private final IngestService ingest;
    private final ApiKeys keys;
    private final CallerKey caller;

    public SegmentResource(SegmentParser parser, IngestService ingest, ApiKeys keys, CallerKey caller) {
        this.parser = parser;
        this.ingest = ingest;
        this.keys = keys;
        this.caller = caller;
    }

    @POST
    @Path("{type: track|identify|page|screen|group|alias}")
    public Uni<Response> single(@PathParam("type") String type, byte[] body) {
        return ingest.accept(body, b -> parser.parseSingle(type, b, this::checkBodyKey))
                .map(receipt -> Response.accepted(receipt).build());
    }

    @POST
    @Path("batch")
    public Uni<Response> batch(byte[] body) {
        return ingest.accept(body, b -> parser.parseBatch(b, this::checkBodyKey))
                .map(receipt -> Response.accepted(receipt).build());
    }

    private void checkBodyKey(String writeKey) {
        AuthFilter.checkBodyKey(caller, keys, writeKey);
    }
}

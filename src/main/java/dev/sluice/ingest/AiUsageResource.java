package dev.sluice.ingest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.smallrye.mutiny.Uni;

/** {@code POST /api/ai/usage}: one AI usage record or {@code {"batch": [...]}}. */
@Path("/api/ai/usage")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class AiUsageResource {

    private final AiUsageParser parser;
    private final IngestService ingest;

    public AiUsageResource(AiUsageParser parser, IngestService ingest) {
        this.parser = parser;
        this.ingest = ingest;
    }

    @POST
    public Uni<Response> track(byte[] body) {
        return ingest.accept(body, parser::parse).map(receipt -> Response.accepted(receipt).build());
    }
}

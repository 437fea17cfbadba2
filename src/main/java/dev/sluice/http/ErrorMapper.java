package dev.sluice.http;

import java.util.List;

import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.sluice.api.ErrorBody;
import dev.sluice.api.InvalidRequestException;
import dev.sluice.api.Problem;
import dev.sluice.cache.CacheUnavailableException;
import dev.sluice.config.SluiceConfig;
import dev.sluice.ingest.PayloadTooLargeException;
import dev.sluice.ingest.RateLimitedException;
import dev.sluice.queue.QueueUnavailableException;
import dev.sluice.security.ForbiddenException;
import dev.sluice.security.UnauthorizedException;
import dev.sluice.sink.SinkUnavailableException;

/** The one place where Sluice's exceptions become HTTP responses. */
public class ErrorMapper {

    private final SluiceConfig config;

    public ErrorMapper(SluiceConfig config) {
        this.config = config;
    }

    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e) {
        return json(Response.Status.BAD_REQUEST, new ErrorBody("invalid_request",
                "The request was rejected and nothing was stored: " + e.problems().size() + " problem(s).",
                e.problems()));
    }

    @ServerExceptionMapper
    public Response tooLarge(PayloadTooLargeException e) {
        return json(Response.Status.REQUEST_ENTITY_TOO_LARGE, new ErrorBody("payload_too_large",
                "The request is over a size limit and nothing was stored.", List.of(e.problem())));
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return Response.status(Response.Status.UNAUTHORIZED).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBody("unauthorized", "No valid key for this route; nothing was accepted.",
                        List.of(Problem.ofRequest("Authorization", e.rule()))))
                .build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return json(Response.Status.FORBIDDEN, new ErrorBody("forbidden", "This caller may not read that.",
                List.of(Problem.ofRequest("userId", e.getMessage()))));
    }

    @ServerExceptionMapper
    public Response rateLimited(RateLimitedException e) {
        return Response.status(Response.Status.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds())
                .type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBody("rate_limited", "Over a rate limit; nothing was accepted.", e.problems()))
                .build();
    }

    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e) {
        return json(Response.Status.UNSUPPORTED_MEDIA_TYPE, new ErrorBody("unsupported_media_type",
                "Tracking calls are JSON.", List.of(Problem.ofRequest("Content-Type", "must be application/json"))));
    }

    @ServerExceptionMapper
    public Response sinkUnavailable(SinkUnavailableException e) {
        return unavailable(e.getMessage());
    }

    @ServerExceptionMapper
    public Response queueUnavailable(QueueUnavailableException e) {
        return unavailable(e.getMessage());
    }

    /** Redis down and the bypass limit reached: this instance already runs as many MongoDB reads as it may. */
    @ServerExceptionMapper
    public Response bypassFull(BulkheadException e) {
        return serviceUnavailable(1,
                "The stats cache is down and this instance is at its MongoDB read limit; retry shortly.");
    }

    @ServerExceptionMapper
    public Response cacheUnavailable(CacheUnavailableException e) {
        return serviceUnavailable(config.queue().retryAfterSeconds(), e.getMessage());
    }

    private Response unavailable(String detail) {
        return serviceUnavailable(config.queue().retryAfterSeconds(), "Nothing was accepted; retry later. " + detail);
    }

    private static Response serviceUnavailable(int retryAfterSeconds, String message) {
        return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, retryAfterSeconds)
                .type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBody("unavailable", message, null))
                .build();
    }

    private static Response json(Response.Status status, ErrorBody body) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}

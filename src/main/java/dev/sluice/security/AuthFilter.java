package dev.sluice.security;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Who may call what, with no database lookup: ingest routes take a write key ({@code Authorization: Bearer <key>},
 * or HTTP Basic with the key as user name; on {@code /v1/*} also {@code writeKey} in the body), internal routes an
 * admin key. A missing or wrong key is a 401 and nothing is queued. Health and metrics ({@code /q/*}) are open; the
 * API Gateway routes none of them.
 */
public class AuthFilter {

    private final ApiKeys keys;
    private final CallerKey caller;

    public AuthFilter(ApiKeys keys, CallerKey caller) {
        this.keys = keys;
        this.caller = caller;
    }

    @ServerRequestFilter
    public void authenticate(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        String presented = ApiKeys.fromHeader(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (path.startsWith("/internal/")) {
            if (!keys.isAdminKey(presented)) {
                throw new UnauthorizedException("must carry an admin key (Bearer)");
            }
        } else if (Routes.isIngest(path)) {
            if (presented == null && path.startsWith("/v1/")) {
                caller.requireBodyKey();
            } else if (!keys.isWriteKey(presented)) {
                throw new UnauthorizedException(path.startsWith("/v1/")
                        ? "must carry a write key (Basic with the key as user name, Bearer, or writeKey in the body)"
                        : "must carry a write key (Bearer)");
            }
        }
    }

    /** The body's {@code writeKey}, when the filter asked for one. */
    public static void checkBodyKey(CallerKey caller, ApiKeys keys, String writeKey) {
        if (caller.bodyKeyRequired() && !keys.isWriteKey(writeKey)) {
            throw new UnauthorizedException(
                    "must carry a write key (Basic with the key as user name, Bearer, or writeKey in the body)");
        }
    }
}

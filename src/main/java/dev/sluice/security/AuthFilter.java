package dev.sluice.security;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;

/**
 * Who may call what, with no database lookup: ingest routes take a write key ({@code Authorization: Bearer <key>},
 * or HTTP Basic with the key as user name; on {@code /v1/*} also {@code writeKey} in the body), internal routes an
 * admin key; user stats a JWT whose subject is the user (or a service key, with {@code ?userId=}), platform stats
 * a service key. A missing or wrong key is a 401 and nothing is queued. Health and metrics ({@code /q/*}) are open; the
 * API Gateway routes none of them.
 */
public class AuthFilter {

    private final ApiKeys keys;
    private final CallerKey caller;
    private final JWTParser jwt;

    public AuthFilter(ApiKeys keys, CallerKey caller, JWTParser jwt) {
        this.keys = keys;
        this.caller = caller;
        this.jwt = jwt;
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
            } else if (keys.isWriteKey(presented)) {
                caller.writeKey(presented);
            } else {
                throw new UnauthorizedException(path.startsWith("/v1/")
                        ? "must carry a write key (Basic with the key as user name, Bearer, or writeKey in the body)"
                        : "must carry a write key (Bearer)");
            }
        } else if (path.startsWith("/api/platform-stats")) {
            if (!keys.isServiceKey(presented)) {
                throw new UnauthorizedException("must carry a service key (Bearer)");
            }
            caller.service();
        } else if (path.startsWith("/api/user-stats") || path.startsWith("/api/user/stats")) {
            if (keys.isServiceKey(presented)) {
                caller.service();
            } else {
                caller.user(subject(presented));
            }
        }
    }

    /** The subject of a valid JWT: signature, issuer and expiry checked by smallrye-jwt, no database. */
    private String subject(String token) {
        if (token == null) {
            throw new UnauthorizedException("must carry a user's JWT or a service key (Bearer)");
        }
        try {
            String subject = jwt.parse(token).getSubject();
            if (subject == null || subject.isEmpty()) {
                throw new UnauthorizedException("must carry a JWT with a subject (the user id)");
            }
            return subject;
        } catch (ParseException e) {
            throw new UnauthorizedException("must carry a valid, unexpired JWT of the configured issuer");
        }
    }

    /** The body's {@code writeKey}, when the filter asked for one. */
    public static void checkBodyKey(CallerKey caller, ApiKeys keys, String writeKey) {
        if (!caller.bodyKeyRequired()) {
            return;
        }
        if (!keys.isWriteKey(writeKey)) {
            throw new UnauthorizedException(
                    "must carry a write key (Basic with the key as user name, Bearer, or writeKey in the body)");
        }
        caller.writeKey(writeKey);
    }
}

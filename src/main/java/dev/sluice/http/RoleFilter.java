package dev.sluice.http;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.sluice.api.ErrorBody;
import dev.sluice.config.Role;
import dev.sluice.config.SluiceConfig;
import dev.sluice.security.Routes;

/**
 * Keeps each deployment to the routes of its {@link Role}: the ingest function answers 404 to stats and internal
 * routes, and so on. Defence in depth; the API Gateway routes are the first line.
 */
public class RoleFilter {

    private final Role role;

    public RoleFilter(SluiceConfig config) {
        this.role = config.role();
    }

    @ServerRequestFilter(preMatching = true)
    public Response servesRoute(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (role == Role.ALL || served(path)) {
            return null;
        }
        return Response.status(Response.Status.NOT_FOUND).type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBody("not_found", "This deployment (role " + role.name().toLowerCase()
                        + ") does not serve " + path, null))
                .build();
    }

    private boolean served(String path) {
        if (path.startsWith("/q/")) {
            return true;
        }
        if (path.startsWith("/internal/")) {
            return role.servesInternal();
        }
        if (Routes.isIngest(path)) {
            return role.servesIngest();
        }
        return role.servesStats();
    }
}

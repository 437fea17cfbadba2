package dev.sluice.stats;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.sluice.api.UserIdParam;
import dev.sluice.security.CallerKey;
import io.smallrye.common.annotation.Blocking;

/**
 * The stats routes. {@code /api/user/stats} is the web app's old duplicate path: same body, plus the headers that
 * point clients to {@code /api/user-stats}.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class StatsResource {

    static final String X_CACHE = "X-Cache";

    private final StatsService stats;
    private final CallerKey caller;

    public StatsResource(StatsService stats, CallerKey caller) {
        this.stats = stats;
        this.caller = caller;
    }

    @GET
    @Path("/user-stats")
    public Response userStats(@QueryParam("userId") String userId) {
        return user(userId).build();
    }

    @GET
    @Path("/user/stats")
    public Response deprecatedUserStats(@QueryParam("userId") String userId) {
        return user(userId)
                .header("Deprecation", "true")
                .header("Link", "</api/user-stats>; rel=\"successor-version\"")
                .build();
    }

    @GET
    @Path("/platform-stats")
    public Response platformStats() {
        StatsService.Served served = stats.platform();
        return Response.ok(served.json()).header(X_CACHE, served.cache())
                .header("Cache-Control", "public, max-age=300").build();
    }

    private Response.ResponseBuilder user(String userId) {
        StatsService.Served served = stats.user(UserIdParam.require(caller.statsUser(userId)));
        // private: per user; short, because a flush can change it at any time
        return Response.ok(served.json()).header(X_CACHE, served.cache())
                .header("Cache-Control", "private, max-age=30");
    }
}

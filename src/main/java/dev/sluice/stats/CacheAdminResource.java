package dev.sluice.stats;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.sluice.api.InvalidRequestException;
import dev.sluice.api.Problem;
import io.smallrye.common.annotation.Blocking;

/** Internal: drops users' cached stats, for changes the flush does not see (a profile update in the web app). */
@Path("/internal/cache")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class CacheAdminResource {

    private final StatsService stats;

    public CacheAdminResource(StatsService stats) {
        this.stats = stats;
    }

    @POST
    @Path("/invalidate")
    public Map<String, Integer> invalidate(@QueryParam("userId") List<String> userIds) {
        if (userIds == null || userIds.isEmpty() || userIds.stream().anyMatch(String::isEmpty)) {
            throw new InvalidRequestException(Problem.ofRequest("userId", "at least one non-empty userId"));
        }
        Set<String> users = new LinkedHashSet<>(userIds);
        int rewritten = stats.invalidate(users);
        return Map.of("invalidated", users.size(), "rewritten", rewritten);
    }
}

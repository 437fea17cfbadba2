package dev.sluice.rollup;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.sluice.api.UserIdParam;
import io.smallrye.common.annotation.Blocking;

/** Internal: checks a user's rollups against their raw events. */
@Path("/internal/rollups")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class RollupAdminResource {

    private final Reconciler reconciler;

    public RollupAdminResource(Reconciler reconciler) {
        this.reconciler = reconciler;
    }

    @POST
    @Path("/reconcile")
    public ReconcileReport reconcile(@QueryParam("userId") String userId) {
        return reconciler.reconcile(UserIdParam.require(userId));
    }
}

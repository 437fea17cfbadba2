package dev.sluice.api;

import java.util.List;

import dev.sluice.event.UserIds;

/** The {@code userId} of the stats and internal routes (or a JWT's subject): required, the limit of ingest's. */
public final class UserIdParam {

    private UserIdParam() {
    }

    public static String require(String userId) {
        if (userId == null || userId.isEmpty() || userId.length() > UserIds.MAX) {
            throw new InvalidRequestException(List.of(Problem.ofRequest("userId", "is required and "
                    + UserIds.RULE)));
        }
        return userId;
    }
}

package dev.sluice.http;

import java.util.List;

import dev.sluice.ingest.InvalidRequestException;
import dev.sluice.ingest.Problem;

/** The {@code userId} query parameter of the stats and internal routes: required, 1-128 characters like ingest's. */
public final class UserIdParam {

    public static final int MAX = 128;

    private UserIdParam() {
    }

    public static String require(String userId) {
        if (userId == null || userId.isEmpty() || userId.length() > MAX) {
            throw new InvalidRequestException(List.of(Problem.ofRequest("userId",
                    "is required, 1-" + MAX + " characters")));
        }
        return userId;
    }
}

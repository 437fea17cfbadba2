package dev.sluice.stats;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The body of {@code GET /api/platform-stats}.
 *
 * @param generatedAt when they were computed (they are cached for an hour)
 * @param totals all time
 * @param users users with any event, all time
 * @param activeUsers users with an event in the last 24 hours and 7 days
 * @param topModels the models with the most requests, all time
 * @param daily the last 30 UTC days, oldest first, with active users per day
 */
@RegisterForReflection
public record PlatformStats(Instant generatedAt, Usage totals, long users, ActiveUsers activeUsers,
        List<ModelUsage> topModels, List<DailyUsage> daily) {

    @RegisterForReflection
    public record ActiveUsers(long last24h, long last7d) {
    }
}

package dev.sluice.stats;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The body of {@code GET /api/user-stats}. Field names are stable; the README documents the schema.
 *
 * @param userId whose stats these are
 * @param generatedAt when they were computed (a cached body keeps its time)
 * @param totals all time
 * @param models all-time AI usage per model, most requests first
 * @param windows the last 24 hours, 7 and 30 days, in whole UTC hours: the current hour and the ones before it
 * @param daily the last 30 UTC days, oldest first, today last, days without events included
 * @param topEvents the most frequent analytics event names, all time
 * @param firstSeen timestamp of the user's first event, null without events
 * @param lastSeen timestamp of the user's last event
 */
@RegisterForReflection
public record UserStats(String userId, Instant generatedAt, Usage totals, List<ModelUsage> models, Windows windows,
        List<DailyUsage> daily, List<EventCount> topEvents, Instant firstSeen, Instant lastSeen) {

    @RegisterForReflection
    public record Windows(Usage last24h, Usage last7d, Usage last30d) {
    }
}

package dev.sluice.stats;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One UTC day.
 *
 * @param date {@code yyyy-MM-dd}
 * @param activeUsers users with any event that day (platform stats only; absent in user stats)
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DailyUsage(String date, long requests, long inputTokens, long outputTokens, long cachedTokens,
        double costUsd, long analyticsEvents, Long activeUsers) {
}

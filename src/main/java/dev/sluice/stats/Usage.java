package dev.sluice.stats;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Usage over some span: AI requests, their tokens and cost, and analytics events.
 *
 * @param requests AI usage records
 * @param inputTokens sum of {@code inputTokens}
 * @param outputTokens sum of {@code outputTokens}
 * @param cachedTokens sum of {@code cachedTokens}
 * @param costUsd sum of {@code costUsd} (summed exactly, in nano-dollars)
 * @param analyticsEvents analytics calls of any type
 */
@RegisterForReflection
public record Usage(long requests, long inputTokens, long outputTokens, long cachedTokens, double costUsd,
        long analyticsEvents) {
}

package dev.sluice.stats;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** AI usage of one model. */
@RegisterForReflection
public record ModelUsage(String model, long requests, long inputTokens, long outputTokens, long cachedTokens,
        double costUsd) {
}

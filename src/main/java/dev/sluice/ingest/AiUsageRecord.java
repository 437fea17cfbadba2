package dev.sluice.ingest;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.event.UserIds;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One AI usage record as the web app sends it to {@code POST /api/ai/usage}. Unknown fields are rejected (see
 * {@link StrictJson}); the size of {@code metadata} and {@code timestamp} are checked by {@link AiUsageParser}
 * ({@code timestamp} by {@link EventTimes}, the rule of every route), since their limits are configuration.
 */
@RegisterForReflection
public record AiUsageRecord(
        @Pattern(regexp = EventIds.PATTERN, message = EventIds.RULE) String eventId,
        @NotBlank @Size(max = UserIds.MAX, message = UserIds.RULE) String userId,
        @NotBlank @Size(max = 128) String model,
        @Size(max = 64) String provider,
        @NotNull @PositiveOrZero @Max(MAX_TOKENS) Long inputTokens,
        @NotNull @PositiveOrZero @Max(MAX_TOKENS) Long outputTokens,
        @PositiveOrZero @Max(MAX_TOKENS) Long cachedTokens,
        @PositiveOrZero @DecimalMax("1000000") Double costUsd,
        @PositiveOrZero @Max(86_400_000) Long latencyMs,
        @Size(max = 128) String feature,
        JsonNode timestamp,
        ObjectNode metadata) {

    /** A trillion tokens in one request is past any real model; it also keeps sums far from overflow. */
    static final long MAX_TOKENS = 1_000_000_000_000L;
}

package dev.sluice.rollup;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * The counters each rollup keeps, under {@code totals}, in each hourly bucket and, for AI usage, per model. Cost is
 * kept in nano-dollars, a 64-bit integer, so that sums are exact in any order.
 */
public final class Counters {

    public static final String REQUESTS = "requests";
    public static final String INPUT_TOKENS = "inputTokens";
    public static final String OUTPUT_TOKENS = "outputTokens";
    public static final String CACHED_TOKENS = "cachedTokens";
    public static final String COST_NANOS = "costNanos";
    public static final String ANALYTICS_EVENTS = "analyticsEvents";

    /** Counters of AI usage records (per model too). */
    public static final List<String> AI = List.of(REQUESTS, INPUT_TOKENS, OUTPUT_TOKENS, CACHED_TOKENS, COST_NANOS);
    /** Every counter of a totals or hourly block. */
    public static final List<String> ALL = List.of(REQUESTS, INPUT_TOKENS, OUTPUT_TOKENS, CACHED_TOKENS, COST_NANOS,
            ANALYTICS_EVENTS);

    private static final BigDecimal NANOS_PER_USD = BigDecimal.valueOf(1_000_000_000L);

    private Counters() {
    }

    public static long toNanos(Number usd) {
        if (usd == null) {
            return 0;
        }
        BigDecimal value = usd instanceof BigDecimal b ? b : new BigDecimal(usd.toString());
        return value.multiply(NANOS_PER_USD).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    public static double toUsd(long nanos) {
        return BigDecimal.valueOf(nanos).divide(NANOS_PER_USD).doubleValue();
    }
}

package dev.sluice.rollup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Date;
import java.util.Map;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import dev.sluice.event.EventKind;

/** What stored events add to the rollups, counter by counter. */
class RollupDeltasTest {

    private static final Date AT = new Date(1_764_660_000_000L); // 2025-12-02T07:20:00Z

    private static Document usage(String model, int inputTokens, double cost) {
        return new Document("userId", "u").append("timestamp", AT).append("model", model)
                .append("inputTokens", inputTokens).append("outputTokens", 2).append("costUsd", cost);
    }

    private static Document track(String name) {
        return new Document("userId", "u").append("timestamp", AT).append("type", "track").append("event", name);
    }

    @Test
    void eachCounterIsTheSumOfItsEvents() {
        RollupDeltas deltas = new RollupDeltas();
        deltas.add(EventKind.AI_USAGE, usage("gpt-4o", 10, 0.5));
        deltas.add(EventKind.AI_USAGE, usage("gpt-4o", 5, 0.25));
        deltas.add(EventKind.ANALYTICS, track("Clicked"));

        Map<String, Long> daily = deltas.userDaily().get(RollupDeltas.dailyId("u", "2025-12-02")).increments();
        assertEquals(2L, daily.get("totals.requests"));
        assertEquals(15L, daily.get("totals.inputTokens"));
        assertEquals(4L, daily.get("totals.outputTokens"));
        assertEquals(0L, daily.get("totals.cachedTokens"), "added, if only zeros");
        assertEquals(750_000_000L, daily.get("totals.costNanos"));
        assertEquals(1L, daily.get("totals.analyticsEvents"));
        assertEquals(2L, daily.get("hours.07.requests"));
        assertEquals(1L, daily.get("hours.07.analyticsEvents"));
        assertEquals(12, daily.size(), daily::toString);

        Map<String, Long> totals = deltas.userTotals().get("u").increments();
        assertEquals(2L, totals.get("models.gpt-4o.requests"));
        assertEquals(750_000_000L, totals.get("models.gpt-4o.costNanos"));
        assertEquals(1L, totals.get("events.Clicked"));
    }

    @Test
    void namesThatEscapeAlikeAreSummed() {
        RollupDeltas deltas = new RollupDeltas();
        deltas.add(EventKind.AI_USAGE, usage("a.b", 1, 0));
        deltas.add(EventKind.AI_USAGE, usage("a\uFF0Eb", 1, 0));
        deltas.add(EventKind.ANALYTICS, track("x.y"));
        deltas.add(EventKind.ANALYTICS, track("x\uFF0Ey"));

        Map<String, Long> totals = deltas.userTotals().get("u").increments();
        assertEquals(2L, totals.get("models.a\uFF0Eb.requests"), totals::toString);
        assertEquals(2L, totals.get("events.x\uFF0Ey"), totals::toString);
    }
}

package dev.sluice.rollup;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A user's rollups checked against their raw events.
 *
 * @param userId whose rollups
 * @param checkedFrom first UTC day compared with raw events: older raw events may have expired (retention)
 * @param eventsCounted raw events (already folded) the check recomputed from
 * @param daysChecked daily rollups compared
 * @param differences every counter that differs; empty when the rollups are exact
 * @param exact whether there is no difference
 */
@RegisterForReflection
public record ReconcileReport(String userId, String checkedFrom, long eventsCounted, int daysChecked,
        List<Difference> differences, boolean exact) {

    /**
     * One counter that differs.
     *
     * @param scope {@code day yyyy-MM-dd}, {@code totals} (against raw events) or {@code totals vs days}
     * @param field the counter, e.g. {@code totals.requests}, {@code hours.07.costNanos}, {@code models.gpt-4o.requests}
     * @param rollup what the rollup holds
     * @param recomputed what the raw events (or the daily rollups) add up to
     */
    @RegisterForReflection
    public record Difference(String scope, String field, long rollup, long recomputed) {
    }
}

package dev.sluice.infra;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MongoDB connections a deployment can open, from its own settings: for each role that uses MongoDB, its maximum
 * concurrency times the connections of one environment (a monitoring connection to each replica-set member, as the
 * driver polls on Lambda, plus {@code maxPoolSize}). The ingest role holds none in {@code queue} mode.
 */
public record ConnectionBudget(Map<String, Integer> perRole, int total, int budget) {

    public static ConnectionBudget of(SluiceSettings s) {
        int perEnvironment = s.replicaSetMembers() + s.mongoPoolSize();
        Map<String, Integer> roles = new LinkedHashMap<>();
        roles.put("ingest", s.direct() ? s.ingestConcurrency() * perEnvironment : 0);
        roles.put("stats", s.statsConcurrency() * perEnvironment);
        roles.put("flush", SluiceStack.FLUSH_CONCURRENCY * perEnvironment);
        int total = roles.values().stream().mapToInt(Integer::intValue).sum();
        return new ConnectionBudget(Collections.unmodifiableMap(roles), total, s.connectionBudget());
    }

    /** Refuses a deployment that could open more connections than its budget. */
    public ConnectionBudget check() {
        if (total > budget) {
            throw new IllegalArgumentException("MongoDB connection budget exceeded: the deployment can open " + total
                    + " connections " + perRole + ", the budget is " + budget
                    + ". Lower statsConcurrency, mongoPoolSize or (in direct mode) ingestConcurrency, or raise "
                    + "connectionBudget.");
        }
        return this;
    }
}

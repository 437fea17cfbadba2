package dev.sluice.infra;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The connections a deployment can open to one server, MongoDB or Redis, from its own settings: for each role, the
 * function's reserved concurrency times what one environment (one Lambda instance) holds. Each environment serves one
 * invocation at a time.
 *
 * <ul>
 * <li>MongoDB, per environment: a monitoring connection to each replica-set member (the driver polls its heartbeats on
 * Lambda; the artifact sets it) plus {@code maxPoolSize}, in the roles that use MongoDB. The ingest role in
 * {@code queue} mode has no MongoDB client at all: none.</li>
 * <li>Redis, per environment: one connection in every role (ingest counts rate limits and the loss-check ledger;
 * stats cache; the flush invalidates), the artifact's Redis pool on Lambda.</li>
 * </ul>
 *
 * The per-environment numbers are what the packaged artifact holds: the root build measures each role of
 * {@code target/function.zip} at the servers' sockets and {@code ConnectionBudgetTest} checks these formulas against
 * that measurement.
 */
public record ConnectionBudget(String server, Map<String, Integer> perRole, int total, int budget) {

    /** The roles, in the order they are reported. */
    public static final List<String> ROLES = List.of("ingest", "stats", "flush");
    /** Redis connections of one Lambda environment: its pool holds one ({@code quarkus.redis.max-pool-size}). */
    public static final int REDIS_PER_ENVIRONMENT = 1;

    /** MongoDB connections one environment of a role holds at most. */
    public static int mongoPerEnvironment(SluiceSettings s, String role) {
        boolean usesMongo = !role.equals("ingest") || s.direct();
        return usesMongo ? s.replicaSetMembers() + s.mongoPoolSize() : 0;
    }

    /** Redis connections one environment of a role holds at most. */
    public static int redisPerEnvironment(SluiceSettings s, String role) {
        return REDIS_PER_ENVIRONMENT;
    }

    /** Environments of a role at once: the function's reserved concurrency. */
    public static int concurrency(SluiceSettings s, String role) {
        return switch (role) {
            case "ingest" -> s.ingestConcurrency();
            case "stats" -> s.statsConcurrency();
            case "flush" -> SluiceStack.FLUSH_CONCURRENCY;
            default -> throw new IllegalArgumentException(role);
        };
    }

    public static ConnectionBudget mongo(SluiceSettings s) {
        return of("MongoDB", s, ConnectionBudget::mongoPerEnvironment, s.connectionBudget());
    }

    public static ConnectionBudget redis(SluiceSettings s) {
        return of("Redis", s, ConnectionBudget::redisPerEnvironment, s.redisConnectionBudget());
    }

    private static ConnectionBudget of(String server, SluiceSettings s,
            BiFunction<SluiceSettings, String, Integer> perEnvironment, int budget) {
        Map<String, Integer> roles = new LinkedHashMap<>();
        ROLES.forEach(role -> roles.put(role, concurrency(s, role) * perEnvironment.apply(s, role)));
        int total = roles.values().stream().mapToInt(Integer::intValue).sum();
        return new ConnectionBudget(server, Collections.unmodifiableMap(roles), total, budget);
    }

    /** Refuses a deployment that could open more connections than its budget. */
    public ConnectionBudget check() {
        if (total > budget) {
            throw new IllegalArgumentException(server + " connection budget exceeded: the deployment can open "
                    + total + " connections " + perRole + ", the budget is " + budget + ". Lower the roles' "
                    + "concurrency (ingestConcurrency, statsConcurrency) or mongoPoolSize, or raise the budget "
                    + "(connectionBudget, redisConnectionBudget).");
        }
        return this;
    }

    /** {@code total of budget (ingest n, stats n, flush n)}, the stack's output. */
    public String summary() {
        StringBuilder roles = new StringBuilder();
        perRole.forEach((role, n) -> roles.append(roles.isEmpty() ? "" : ", ").append(role).append(' ').append(n));
        return total + " of " + budget + " (" + roles + ")";
    }
}

package dev.sluice.observe;

import java.math.BigDecimal;
import java.time.Duration;

import dev.sluice.config.SluiceConfig;

/**
 * The Prometheus alerting rules of the long-running mode, rendered from the thresholds in {@code sluice.alarms.*}
 * (the same the CloudWatch alarms of the infrastructure use). The rendering of the defaults is kept in
 * {@code infra/prometheus/sluice-alerts.yml}; a test fails when the two drift apart.
 */
public final class AlertRules {

    private AlertRules() {
    }

    public static String render(SluiceConfig.Alarms a) {
        String budget = number(a.connectionBudget());
        String warningConnections = number(a.connectionBudget() * a.poolWarning());
        String criticalConnections = number(a.connectionBudget() * a.poolCritical());
        StringBuilder y = new StringBuilder();
        y.append("# Prometheus alerting rules for Sluice in long-running mode, rendered from the defaults of\n")
                .append("# sluice.alarms.* by dev.sluice.observe.AlertRules ")
                .append("(AlertRulesTest keeps this file in step).\n")
                .append("groups:\n")
                .append("  - name: sluice\n")
                .append("    rules:\n");
        rule(y, "SluiceMongoConnectionsWarning", "warning",
                "sum(sluice_mongo_connections) > " + warningConnections, "1m",
                "MongoDB connections above " + percent(a.poolWarning()) + " of the budget of " + budget);
        rule(y, "SluiceMongoConnectionsCritical", "critical",
                "sum(sluice_mongo_connections) > " + criticalConnections, "1m",
                "MongoDB connections above " + percent(a.poolCritical()) + " of the budget of " + budget);
        rule(y, "SluiceMongoPoolWarning", "warning",
                "max by (instance) (sluice_mongo_pool_usage_ratio) > " + number(a.poolWarning()), "1m",
                "A MongoDB connection pool is more than " + percent(a.poolWarning()) + " checked out");
        rule(y, "SluiceMongoPoolCritical", "critical",
                "max by (instance) (sluice_mongo_pool_usage_ratio) > " + number(a.poolCritical()), "1m",
                "A MongoDB connection pool is more than " + percent(a.poolCritical()) + " checked out");
        rule(y, "SluiceFlushFailures", "critical",
                "sum(increase(sluice_flush_failures_total[" + duration(a.flushFailureWindow()) + "])) >= "
                        + a.flushFailures(), null,
                "Flush failed " + a.flushFailures() + "+ times in " + duration(a.flushFailureWindow())
                        + " (see the cause label)");
        rule(y, "SluiceDeadLetters", "warning", "max(sluice_dlq_depth) > 0", null,
                "Messages in the dead-letter queue: inspect, fix, then POST /internal/dlq/replay");
        rule(y, "SluiceFlushBehind", "warning",
                "max(sluice_flush_lag_seconds) > " + a.oldestMessageAge().toSeconds(), null,
                "The oldest message a flush took waited more than " + duration(a.oldestMessageAge()));
        rule(y, "SluiceFlushStalled", "critical",
                "time() - max(sluice_flush_last_run_seconds) > " + a.oldestMessageAge().toSeconds(), null,
                "No flush has finished for " + duration(a.oldestMessageAge()));
        String window = duration(a.cacheHitRatioWindow());
        rule(y, "SluiceCacheHitRatioLow", "warning",
                "sum by (cache) (increase(sluice_cache_requests_total{result=\"hit\"}[" + window + "])) / "
                        + "sum by (cache) (increase(sluice_cache_requests_total[" + window + "])) < "
                        + number(a.cacheHitRatio()), null,
                "Stats cache hit ratio below " + percent(a.cacheHitRatio()) + " over " + window);
        return y.toString();
    }

    private static void rule(StringBuilder y, String name, String severity, String expr, String forDuration,
            String summary) {
        y.append("      - alert: ").append(name).append('\n')
                .append("        expr: '").append(expr.replace("'", "''")).append("'\n");
        if (forDuration != null) {
            y.append("        for: ").append(forDuration).append('\n');
        }
        y.append("        labels:\n")
                .append("          severity: ").append(severity).append('\n')
                .append("        annotations:\n")
                .append("          summary: '").append(summary.replace("'", "''")).append("'\n");
    }

    static String number(double value) {
        return new BigDecimal(Double.toString(value)).stripTrailingZeros().toPlainString();
    }

    private static String percent(double share) {
        return number(share * 100) + " %";
    }

    static String duration(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        return s % 60 == 0 ? s / 60 + "m" : s + "s";
    }
}

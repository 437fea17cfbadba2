package dev.sluice.infra;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.HorizontalAnnotation;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.sqs.Queue;
import software.constructs.Construct;

/**
 * The alarms the user asked for, on the EMF metrics the functions write (namespace {@code Sluice}, dimensions
 * {@code Service} = the stack, {@code Role}) and on SQS's and Lambda's own metrics, all notifying one SNS topic; and
 * a dashboard with the fleet-wide MongoDB connection total.
 *
 * <p>Each Lambda environment has its own pool, so the fleet total is, per role, Lambda's concurrent executions
 * times the connections one environment holds ({@code sluice.mongo.connections}, maximum).
 */
public class SluiceAlarms extends Construct {

    static final String NAMESPACE = "Sluice";
    static final List<String> FLUSH_FAILURE_CAUSES = List.of("store_unavailable", "queue_unavailable",
            "events_rejected", "error");

    private final String service;
    private final Topic topic;

    public SluiceAlarms(Construct scope, String id, SluiceSettings s, String service, Function stats, Function flush,
            Queue queue, Queue deadLetters) {
        super(scope, id);
        this.service = service;
        topic = Topic.Builder.create(this, "Topic").displayName("Sluice alarms").build();
        if (s.alarmEmail() != null) {
            topic.addSubscription(new EmailSubscription(s.alarmEmail()));
        }
        Duration minute = Duration.minutes(1);

        Map<String, IMetric> fleet = new LinkedHashMap<>();
        fleet.put("cs", stats.metric("ConcurrentExecutions", max(minute)));
        fleet.put("ms", sluice("sluice.mongo.connections", "stats", "Maximum", minute));
        fleet.put("cf", flush.metric("ConcurrentExecutions", max(minute)));
        fleet.put("mf", sluice("sluice.mongo.connections", "flush", "Maximum", minute));
        MathExpression connections = MathExpression.Builder.create()
                .expression("FILL(cs, 0) * FILL(ms, 0) + FILL(cf, 0) * FILL(mf, 0)").usingMetrics(fleet)
                .label("MongoDB connections, fleet").period(minute).build();
        alarm("MongoConnectionsWarning", connections, s.connectionBudget() * s.poolWarning(),
                "MongoDB connections above " + percent(s.poolWarning()) + " of the budget of " + s.connectionBudget());
        alarm("MongoConnectionsCritical", connections, s.connectionBudget() * s.poolCritical(),
                "MongoDB connections above " + percent(s.poolCritical()) + " of the budget of "
                        + s.connectionBudget());

        MathExpression pool = MathExpression.Builder.create().expression("MAX([FILL(ps, 0), FILL(pf, 0)])")
                .usingMetrics(Map.of("ps", sluice("sluice.mongo.pool.usage", "stats", "Maximum", minute),
                        "pf", sluice("sluice.mongo.pool.usage", "flush", "Maximum", minute)))
                .label("MongoDB pool usage, highest environment").period(minute).build();
        alarm("MongoPoolWarning", pool, s.poolWarning(),
                "A MongoDB pool more than " + percent(s.poolWarning()) + " checked out");
        alarm("MongoPoolCritical", pool, s.poolCritical(),
                "A MongoDB pool more than " + percent(s.poolCritical()) + " checked out");

        Duration failureWindow = Duration.minutes(s.flushFailureWindowMinutes());
        Map<String, IMetric> failures = new LinkedHashMap<>();
        StringBuilder sum = new StringBuilder("FILL(errors, 0)");
        failures.put("errors", flush.metric("Errors", MetricOptions.builder().statistic("Sum")
                .period(failureWindow).build()));
        for (int i = 0; i < FLUSH_FAILURE_CAUSES.size(); i++) {
            failures.put("f" + i, sluice("sluice.flush.failures." + FLUSH_FAILURE_CAUSES.get(i), "flush", "Sum",
                    failureWindow));
            sum.append(" + FILL(f").append(i).append(", 0)");
        }
        MathExpression flushFailures = MathExpression.Builder.create().expression(sum.toString())
                .usingMetrics(failures).label("Flush failures").period(failureWindow).build();
        alarm("FlushFailures", flushFailures, s.flushFailures(), ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                "Flush failed " + s.flushFailures() + "+ times in " + s.flushFailureWindowMinutes() + " minutes");

        alarm("DeadLettersNotEmpty", deadLetters.metricApproximateNumberOfMessagesVisible(max(minute)), 0,
                "Messages in the dead-letter queue: inspect, fix, then replay (POST /internal/dlq/replay)");
        alarm("FlushFallingBehind", queue.metricApproximateAgeOfOldestMessage(max(minute)),
                s.oldestMessageAgeSeconds(),
                "The oldest queued message is older than " + s.oldestMessageAgeSeconds() + " s");

        Duration ratioWindow = Duration.minutes(s.cacheHitRatioWindowMinutes());
        MathExpression hitRatio = MathExpression.Builder.create()
                .expression("IF(FILL(h, 0) + FILL(m, 0) + FILL(b, 0) > 0, "
                        + "FILL(h, 0) / (FILL(h, 0) + FILL(m, 0) + FILL(b, 0)), 1)")
                .usingMetrics(Map.of(
                        "h", sluice("sluice.cache.requests.user_stats.hit", "stats", "Sum", ratioWindow),
                        "m", sluice("sluice.cache.requests.user_stats.miss", "stats", "Sum", ratioWindow),
                        "b", sluice("sluice.cache.requests.user_stats.bypass", "stats", "Sum", ratioWindow)))
                .label("User stats cache hit ratio").period(ratioWindow).build();
        alarm("CacheHitRatioLow", hitRatio, s.cacheHitRatio(), ComparisonOperator.LESS_THAN_THRESHOLD,
                "User stats cache hit ratio below " + percent(s.cacheHitRatio()));

        Dashboard dashboard = Dashboard.Builder.create(this, "Dashboard").dashboardName(service).build();
        dashboard.addWidgets(
                GraphWidget.Builder.create().title("MongoDB connections (fleet) against the budget")
                        .left(List.of(connections)).leftAnnotations(List.of(
                                line("warning", s.connectionBudget() * s.poolWarning()),
                                line("critical", s.connectionBudget() * s.poolCritical()),
                                line("budget", s.connectionBudget())))
                        .width(12).build(),
                GraphWidget.Builder.create().title("MongoDB pool usage").left(List.of(pool)).width(12).build());
        dashboard.addWidgets(
                GraphWidget.Builder.create().title("Flush: events stored per minute, failures")
                        .left(List.of(sluice("sluice.flush.events.stored", "flush", "Sum", minute)))
                        .right(List.of(flushFailures)).width(12).build(),
                GraphWidget.Builder.create().title("Queue: oldest message (s), dead letters")
                        .left(List.of(queue.metricApproximateAgeOfOldestMessage(max(minute))))
                        .right(List.of(deadLetters.metricApproximateNumberOfMessagesVisible(max(minute))))
                        .width(12).build());
        dashboard.addWidgets(
                GraphWidget.Builder.create().title("Stats cache hit ratio").left(List.of(hitRatio)).width(12)
                        .build(),
                GraphWidget.Builder.create().title("Stats latency p99 (ms): hit, miss")
                        .left(List.of(sluice("sluice.stats.latency.user_stats.hit", "stats", "p99", minute),
                                sluice("sluice.stats.latency.user_stats.miss", "stats", "p99", minute)))
                        .width(12).build());
    }

    private Metric sluice(String name, String role, String statistic, Duration period) {
        return Metric.Builder.create().namespace(NAMESPACE).metricName(name)
                .dimensionsMap(Map.of("Service", service, "Role", role)).statistic(statistic).period(period)
                .build();
    }

    private static MetricOptions max(Duration period) {
        return MetricOptions.builder().statistic("Maximum").period(period).build();
    }

    private void alarm(String id, IMetric metric, double threshold, String description) {
        alarm(id, metric, threshold, ComparisonOperator.GREATER_THAN_THRESHOLD, description);
    }

    private void alarm(String id, IMetric metric, double threshold, ComparisonOperator comparison,
            String description) {
        Alarm alarm = Alarm.Builder.create(this, id).alarmName(service + "-" + id).metric(metric)
                .threshold(threshold).comparisonOperator(comparison).evaluationPeriods(1)
                .treatMissingData(TreatMissingData.NOT_BREACHING).alarmDescription(description).build();
        alarm.addAlarmAction(new SnsAction(topic));
    }

    private static HorizontalAnnotation line(String label, double value) {
        return HorizontalAnnotation.builder().label(label).value(value).build();
    }

    private static String percent(double share) {
        return Math.round(share * 100) + " %";
    }
}

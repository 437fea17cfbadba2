package dev.sluice.observe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.config.SluiceConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.vertx.ext.web.Router;

/**
 * CloudWatch Embedded Metric Format on Lambda: after each request (one request is one invocation), one JSON line on
 * stdout carries what Sluice's meters recorded during it. CloudWatch Logs turns the line into metrics, so publishing
 * costs no network call and no connection.
 *
 * <p>The meters are the Micrometer ones Prometheus exports in the long-running mode; here counters and timers are
 * sent as their change since the previous line (zero changes are left out), gauges as their value. A meter's tags
 * become part of the metric name ({@code sluice.cache.requests.user_stats.hit}), so each line keeps one dimension
 * set, {@code Service} and {@code Role}; the driver's pool meters are summed over servers.
 */
@ApplicationScoped
public class EmfPublisher {

    /** Meters sent: Sluice's own and the MongoDB driver's pool meters. */
    private static final List<String> PREFIXES = List.of("sluice.", "mongodb.driver.pool.");
    /** Lifetime figures that mean nothing per invocation; CloudWatch derives them over its own windows. */
    private static final Set<String> SKIPPED = Set.of("sluice.cache.hit", "sluice.flush.last.run");
    /** CloudWatch takes at most 100 metrics per directive. */
    static final int PER_DIRECTIVE = 100;

    private final MeterRegistry registry;
    private final ObjectMapper mapper;
    private final SluiceConfig config;
    /** Cumulative count and total of each counter, timer and summary at the previous line. */
    private final Map<Meter.Id, double[]> previous = new HashMap<>();

    public EmfPublisher(MeterRegistry registry, ObjectMapper mapper, SluiceConfig config) {
        this.registry = registry;
        this.mapper = mapper;
        this.config = config;
    }

    void onRouter(@Observes Router router) {
        if (config.metrics().emf()) {
            router.route().order(Integer.MIN_VALUE).handler(context -> {
                context.addEndHandler(ended -> publish());
                context.next();
            });
        }
    }

    /** Writes the line for what happened since the previous one, if anything did. */
    public void publish() {
        String line = line(System.currentTimeMillis());
        if (line != null) {
            System.out.println(line);
        }
    }

    /** The EMF line for the changes since the previous call, or null when there is nothing to send. */
    synchronized String line(long timestampMillis) {
        Map<String, Value> values = new TreeMap<>();
        for (Meter meter : registry.getMeters()) {
            String name = meter.getId().getName();
            if (PREFIXES.stream().noneMatch(name::startsWith) || SKIPPED.contains(name)
                    || name.endsWith(".percentile") || name.endsWith(".histogram")) {
                continue;
            }
            Value value = value(meter);
            if (value != null) {
                values.merge(metricName(meter.getId()), value, Value::plus);
            }
        }
        if (values.isEmpty()) {
            return null;
        }
        ObjectNode root = mapper.createObjectNode();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", timestampMillis);
        ArrayNode directives = aws.putArray("CloudWatchMetrics");
        ArrayNode metrics = null;
        for (Map.Entry<String, Value> entry : values.entrySet()) {
            if (metrics == null || metrics.size() == PER_DIRECTIVE) {
                ObjectNode directive = directives.addObject();
                directive.put("Namespace", config.metrics().namespace());
                directive.putArray("Dimensions").addArray().add("Service").add("Role");
                metrics = directive.putArray("Metrics");
            }
            metrics.addObject().put("Name", entry.getKey()).put("Unit", entry.getValue().unit());
        }
        root.put("Service", config.metrics().service());
        root.put("Role", config.role().name().toLowerCase(Locale.ROOT));
        values.forEach((name, value) -> root.put(name, value.amount()));
        return root.toString();
    }

    /** A metric's value in a line, and its CloudWatch unit. */
    private record Value(double amount, String unit) {
        /** Meters that differ only in tags left out of the name (the pool meters' servers) are summed. */
        Value plus(Value other) {
            return new Value(amount + other.amount, unit);
        }
    }

    private Value value(Meter meter) {
        if (meter instanceof Counter counter) {
            return delta(meter.getId(), counter.count());
        }
        if (meter instanceof FunctionCounter counter) {
            return delta(meter.getId(), counter.count());
        }
        if (meter instanceof Timer timer) {
            return mean(meter.getId(), timer.count(), timer.totalTime(TimeUnit.MILLISECONDS), "Milliseconds");
        }
        if (meter instanceof DistributionSummary summary) {
            return mean(meter.getId(), summary.count(), summary.totalAmount(), unit(meter.getId()));
        }
        if (meter instanceof Gauge gauge) {
            double v = gauge.value();
            return Double.isFinite(v) ? new Value(v, unit(meter.getId())) : null;
        }
        return null;
    }

    private Value delta(Meter.Id id, double count) {
        double[] before = previous.put(id, new double[] {count, 0});
        double change = count - (before == null ? 0 : before[0]);
        return change > 0 ? new Value(change, "Count") : null;
    }

    /** The mean of what was recorded since the previous line (one request records most meters once). */
    private Value mean(Meter.Id id, long count, double total, String unit) {
        double[] before = previous.put(id, new double[] {count, total});
        double n = count - (before == null ? 0 : before[0]);
        if (n <= 0) {
            return null;
        }
        return new Value((total - (before == null ? 0 : before[1])) / n, unit);
    }

    private static String unit(Meter.Id id) {
        String base = id.getBaseUnit();
        if (base == null) {
            return "Count";
        }
        return switch (base) {
            case "seconds" -> "Seconds";
            case "milliseconds" -> "Milliseconds";
            case "bytes" -> "Bytes";
            default -> "None";
        };
    }

    /** The meter's name, with its tag values in the order of their keys; the driver's pool meters without tags. */
    static String metricName(Meter.Id id) {
        if (!id.getName().startsWith("sluice.")) {
            return id.getName();
        }
        List<String> parts = new ArrayList<>();
        parts.add(id.getName());
        for (Tag tag : id.getTagsAsIterable()) {
            parts.add(tag.getValue());
        }
        return String.join(".", parts);
    }
}

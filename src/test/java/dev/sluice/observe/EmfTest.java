package dev.sluice.observe;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * With EMF on (the Lambda default), every request writes one CloudWatch Embedded Metric Format line to stdout with
 * what it changed; the lines are checked against the format's rules.
 */
@QuarkusTest
@TestProfile(EmfTest.Emf.class)
public class EmfTest extends PipelineTest {

    public static class Emf implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sluice.metrics.emf", "true", "sluice.metrics.service", "sluice-test");
        }
    }

    /** The units CloudWatch accepts. */
    static final Set<String> UNITS = Set.of("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
            "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
            "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
            "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
            "Terabits/Second", "Count/Second", "None");

    private final ObjectMapper mapper = new ObjectMapper();
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream original;

    @BeforeEach
    void captureStdout() {
        original = System.out;
        System.setOut(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    captured.write(b);
                }
                original.write(b);
            }
        }, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStdout() {
        System.setOut(original);
    }

    /** The EMF lines written so far, parsed; waits briefly, as a line is written when the response has ended. */
    private List<JsonNode> emfLines(int atLeast) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (int attempt = 0; attempt < 40; attempt++) {
            lines.clear();
            String text;
            synchronized (captured) {
                text = captured.toString(StandardCharsets.UTF_8);
            }
            text = text.substring(0, text.lastIndexOf('\n') + 1); // whole lines only: one may be half written
            for (String line : text.split("\n")) {
                if (line.startsWith("{\"_aws\"")) {
                    lines.add(mapper.readTree(line));
                }
            }
            if (lines.size() >= atLeast) {
                return lines;
            }
            Thread.sleep(50);
        }
        return lines;
    }

    /** Checks one line against the EMF specification; returns its metric values by name. */
    static Map<String, Double> validate(JsonNode line) {
        return validate(line, "sluice-test", "all");
    }

    /** Checks one line against the EMF specification and Sluice's dimensions; returns its metric values. */
    public static Map<String, Double> validate(JsonNode line, String service, String role) {
        JsonNode aws = line.get("_aws");
        assertTrue(aws.get("Timestamp").isIntegralNumber(), "Timestamp is epoch milliseconds");
        assertTrue(Math.abs(aws.get("Timestamp").asLong() - System.currentTimeMillis()) < 600_000);
        assertTrue(aws.get("CloudWatchMetrics").isArray() && aws.get("CloudWatchMetrics").size() >= 1);
        Map<String, Double> values = new HashMap<>();
        for (JsonNode directive : aws.get("CloudWatchMetrics")) {
            assertEquals("Sluice", directive.get("Namespace").asText());
            JsonNode dimensions = directive.get("Dimensions");
            assertEquals(1, dimensions.size());
            for (JsonNode key : dimensions.get(0)) {
                assertTrue(line.get(key.asText()).isTextual(), "dimension " + key + " has a string value");
            }
            assertTrue(directive.get("Metrics").size() <= 100);
            for (JsonNode metric : directive.get("Metrics")) {
                String name = metric.get("Name").asText();
                assertTrue(UNITS.contains(metric.get("Unit").asText()), name + ": unit " + metric.get("Unit"));
                assertTrue(name.length() <= 255 && !name.isBlank());
                assertTrue(line.get(name).isNumber(), name + " has a numeric value");
                values.put(name, line.get(name).asDouble());
            }
        }
        assertEquals(service, line.get("Service").asText());
        assertEquals(role, line.get("Role").asText());
        return values;
    }

    private static String unitOf(JsonNode line, String name) {
        for (JsonNode directive : line.get("_aws").get("CloudWatchMetrics")) {
            for (JsonNode metric : directive.get("Metrics")) {
                if (metric.get("Name").asText().equals(name)) {
                    return metric.get("Unit").asText();
                }
            }
        }
        return null;
    }

    @Test
    void eachRequestWritesOneValidLineWithWhatItChanged() throws Exception {
        String event = "{\"userId\":\"emf\",\"model\":\"x\",\"inputTokens\":1,\"outputTokens\":1}";
        given().contentType("application/json").body(event).post("/api/ai/usage").then().statusCode(202);
        List<JsonNode> lines = emfLines(1);
        assertEquals(1, lines.size(), "one line for one request");
        Map<String, Double> ingest = validate(lines.get(0));
        assertEquals(1.0, ingest.get("sluice.ingest.events.accepted.ai_usage"));
        assertEquals("Count", unitOf(lines.get(0), "sluice.ingest.events.accepted.ai_usage"));
        assertEquals("Milliseconds", unitOf(lines.get(0), "sluice.ingest.latency.ai_usage"));
        assertTrue(ingest.get("sluice.ingest.latency.ai_usage") > 0);

        given().contentType("application/json").body(event).post("/api/ai/usage").then().statusCode(202);
        Map<String, Double> second = validate(emfLines(2).get(1));
        assertEquals(1.0, second.get("sluice.ingest.events.accepted.ai_usage"), "a change, not the running total");

        given().post("/internal/flush").then().statusCode(200);
        JsonNode flushLine = emfLines(3).get(2);
        Map<String, Double> flush = validate(flushLine);
        assertEquals(2.0, flush.get("sluice.flush.events.stored"));
        assertEquals(1.0, flush.get("sluice.flush.runs.queue_empty"));
        assertEquals("Milliseconds", unitOf(flushLine, "sluice.flush.duration"));
        assertEquals(2.0, flush.get("sluice.flush.queue.depth.before"));
        assertEquals(0.0, flush.get("sluice.dlq.depth"));
        assertEquals("Seconds", unitOf(flushLine, "sluice.flush.lag"));
        assertTrue(flush.get("sluice.mongo.connections") >= 1);
        assertTrue(flush.containsKey("sluice.mongo.pool.usage"));
        assertEquals("None", unitOf(flushLine, "sluice.mongo.pool.usage"));
        assertTrue(flush.containsKey("mongodb.driver.pool.size"));
        assertFalse(flush.containsKey("sluice.ingest.events.accepted.ai_usage"), "unchanged counters are left out");
        assertFalse(flush.keySet().stream().anyMatch(n -> n.endsWith(".percentile")));

        given().queryParam("userId", "emf").get("/api/user-stats").then().statusCode(200);
        Map<String, Double> stats = validate(emfLines(4).get(3));
        assertEquals(1.0, stats.get("sluice.cache.requests.user_stats.miss"));
        assertTrue(stats.get("sluice.stats.latency.user_stats.miss") > 0);
    }
}

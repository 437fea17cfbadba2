package dev.sluice.observe;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The Prometheus rules shipped in {@code infra/prometheus/sluice-alerts.yml} are the rendering of the configured
 * thresholds, and every metric they use is one the application exports.
 */
@QuarkusTest
class AlertRulesTest extends PipelineTest {

    static final Path RULES = Path.of("infra/prometheus/sluice-alerts.yml");

    @Test
    void theShippedRulesAreTheRenderingOfTheThresholds() throws Exception {
        String rendered = AlertRules.render(config.alarms());
        if (!Files.exists(RULES) || !Files.readString(RULES).equals(rendered)) {
            Path fresh = Path.of("target/sluice-alerts.yml");
            Files.writeString(fresh, rendered);
            assertEquals(rendered, Files.exists(RULES) ? Files.readString(RULES) : "",
                    "infra/prometheus/sluice-alerts.yml is stale: copy " + fresh + " over it");
        }
        assertTrue(rendered.contains("sum(sluice_mongo_connections) > 90"), "60 % of 150");
        assertTrue(rendered.contains("sum(sluice_mongo_connections) > 120"), "80 % of 150");
        assertTrue(rendered.contains("sum(increase(sluice_flush_failures_total[5m])) >= 1"));
        assertTrue(rendered.contains("max(sluice_flush_lag_seconds) > 120"));
        assertTrue(rendered.contains("[1h])) < 0.8"));
    }

    @Test
    void everyMetricTheRulesUseIsExported() throws Exception {
        given().contentType("application/json")
                .body("{\"userId\":\"ar\",\"model\":\"x\",\"inputTokens\":1,\"outputTokens\":1}")
                .post("/api/ai/usage").then().statusCode(202);
        flush();
        given().queryParam("userId", "ar").get("/api/user-stats").then().statusCode(200);
        String scrape = operations().get("/q/metrics").then().statusCode(200).extract().asString();
        Set<String> used = new LinkedHashSet<>();
        Matcher m = Pattern.compile("sluice_[a-z_]+").matcher(AlertRules.render(config.alarms()));
        while (m.find()) {
            used.add(m.group());
        }
        assertTrue(used.size() >= 6, used.toString());
        for (String metric : used) {
            assertTrue(Pattern.compile("(?m)^" + metric + "[{ ]").matcher(scrape).find(),
                    metric + " is not exported");
        }
    }
}

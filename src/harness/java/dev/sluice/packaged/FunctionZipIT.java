package dev.sluice.packaged;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.observe.EmfTest;
import dev.sluice.testing.SluiceTestServers;

/** The deployment package itself, {@code target/function.zip}, run as AWS's managed Java runtime runs it. */
class FunctionZipIT extends PackagedScenario {

    private static FunctionProcess function;

    @Override
    int gatewayPort() {
        return function.gatewayPort();
    }

    @BeforeAll
    static void deploy() {
        // as on Lambda: AWS_LAMBDA_FUNCTION_NAME turns on EMF metric lines and JSON logs (LambdaDefaults)
        function = new FunctionProcess("function-it", SluiceTestServers.config(),
                Map.of("AWS_LAMBDA_FUNCTION_NAME", "sluice-it"));
        function.start();
    }

    @AfterAll
    static void undeploy() {
        if (function != null) {
            function.close();
        }
    }

    /**
     * The package holds one AWS HTTP client (the SDK would bring Apache 5 as its default), no client-side encryption
     * library and none of the embedded servers: each would only add to the download and the cold start.
     */
    @Test
    void holdsOneHttpClientAndNoEmbeddedServer() throws Exception {
        List<String> libraries;
        try (ZipFile zip = new ZipFile(Path.of("target", "function.zip").toFile())) {
            libraries = zip.stream().map(e -> e.getName()).filter(n -> n.startsWith("lib/")).toList();
        }
        Pattern awsClient = Pattern.compile("lib/software\\.amazon\\.awssdk\\.([a-z0-9-]+-client)-[0-9][^/]*\\.jar");
        assertEquals(List.of("url-connection-client"), libraries.stream().map(awsClient::matcher)
                .filter(Matcher::matches).map(m -> m.group(1)).toList());
        assertEquals(List.of(), libraries.stream().filter(n -> n.matches(
                "lib/.*(mongodb-crypt|httpclient|elasticmq|bwaldvogel|embedded-redis|codemonstur).*")).toList());
    }

    /**
     * On Lambda the artifact writes its metrics as EMF lines and its logs as JSON, with the flush summary as fields
     * and never an event's content.
     */
    @Test
    void metricsAreEmfLinesAndLogsAreJson() throws Exception {
        String marker = "secret-content-" + System.nanoTime();
        given().port(gatewayPort()).contentType("application/json")
                .header("Authorization", "Bearer " + SluiceTestServers.KEY)
                .body("{\"eventId\":\"emf-it\",\"userId\":\"u-emf\",\"model\":\"m\",\"inputTokens\":1,"
                        + "\"outputTokens\":1,\"metadata\":{\"note\":\"" + marker + "\"}}")
                .post("/api/ai/usage").then().statusCode(202);
        given().port(gatewayPort()).header("Authorization", "Bearer " + SluiceTestServers.KEY)
                .post("/internal/flush").then().statusCode(200);

        ObjectMapper mapper = new ObjectMapper();
        Path log = function.log();
        boolean sawIngest = false;
        boolean sawFlush = false;
        JsonNode summary = null;
        for (int attempt = 0; attempt < 100 && !(sawIngest && sawFlush && summary != null); attempt++) {
            Thread.sleep(100);
            String written = Files.readString(log);
            // whole lines only: the function may be writing one
            for (String line : written.substring(0, written.lastIndexOf('\n') + 1).split("\n")) {
                if (line.startsWith("{\"_aws\"")) {
                    Map<String, Double> values = EmfTest.validate(mapper.readTree(line), "sluice", "all");
                    sawIngest |= values.containsKey("sluice.ingest.events.accepted.ai_usage");
                    sawFlush |= values.getOrDefault("sluice.flush.events.stored", 0.0) >= 1;
                } else if (line.startsWith("{") && line.contains("\"flush.stored\"")) {
                    summary = mapper.readTree(line);
                }
            }
        }
        assertTrue(sawIngest, "an EMF line with the ingest counters");
        assertTrue(sawFlush, "an EMF line with the flush counters");
        assertTrue(summary != null, "a JSON log line with the flush summary");
        assertTrue(summary.get("mdc").get("flush.durationMs").isTextual());
        assertTrue(summary.get("level").isTextual());
        assertFalse(Files.readString(log).contains(marker), "no event content in the logs");
    }
}

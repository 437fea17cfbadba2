package dev.sluice.packaged;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.api.client.AWSLambda;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.observe.EmfTest;
import dev.sluice.testing.SluiceTestServers;
import io.quarkus.amazon.lambda.runtime.MockHttpEventServer;

/**
 * The deployment package itself, {@code target/function.zip}, run the way AWS's managed Java runtime runs it: its
 * contents on the class path, the AWS Lambda Runtime Interface Client polling a Lambda Runtime API and calling the
 * handler the stack configures. The Runtime API is Quarkus' mock event server, which also turns each HTTP request into
 * an API Gateway (HTTP API) event.
 */
class FunctionZipIT extends PackagedScenario {

    static final String HANDLER = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest";

    private static MockHttpEventServer runtimeApi;
    private static Process function;

    @Override
    int gatewayPort() {
        return runtimeApi.getPort();
    }

    @BeforeAll
    static void deploy() throws Exception {
        Path zip = Path.of("target", "function.zip");
        assertTrue(Files.exists(zip), "package the Lambda artifact first (./mvnw verify)");
        Path task = Path.of("target", "function-it");
        unzip(zip, task);

        runtimeApi = new MockHttpEventServer();
        runtimeApi.start(0);

        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", String.join(File.pathSeparator, task.toString(), task.resolve("lib") + File.separator + "*",
                        codeSource(AWSLambda.class), codeSource(PojoSerializer.class))));
        SluiceTestServers.config().forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add(AWSLambda.class.getName());
        command.add(HANDLER);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(Path.of("target", "function-it.log").toFile());
        builder.environment().put("AWS_LAMBDA_RUNTIME_API", "localhost:" + runtimeApi.getPort() + "/_lambda_");
        builder.environment().put("LAMBDA_TASK_ROOT", task.toAbsolutePath().toString());
        builder.environment().put("_HANDLER", HANDLER);
        // as on Lambda: turns on EMF metric lines and JSON logs (dev.sluice.observe.LambdaDefaults)
        builder.environment().put("AWS_LAMBDA_FUNCTION_NAME", "sluice-it");
        function = builder.start();
    }

    @AfterAll
    static void undeploy() throws Exception {
        if (function != null) {
            function.destroy();
            function.waitFor(10, TimeUnit.SECONDS);
        }
        if (runtimeApi != null) {
            runtimeApi.close();
        }
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
        Path log = Path.of("target", "function-it.log");
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

    private static String codeSource(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static void unzip(Path zip, Path target) throws IOException {
        try (ZipFile file = new ZipFile(zip.toFile())) {
            for (ZipEntry entry : java.util.Collections.list(file.entries())) {
                Path out = target.resolve(entry.getName()).normalize();
                if (!out.startsWith(target)) {
                    throw new IOException("zip entry outside the target: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    try (InputStream in = file.getInputStream(entry)) {
                        Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }
}

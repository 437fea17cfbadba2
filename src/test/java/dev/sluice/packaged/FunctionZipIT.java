package dev.sluice.packaged;

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
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import com.amazonaws.services.lambda.runtime.api.client.AWSLambda;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;

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

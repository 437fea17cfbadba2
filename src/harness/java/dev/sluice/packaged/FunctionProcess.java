package dev.sluice.packaged;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import com.amazonaws.services.lambda.runtime.api.client.AWSLambda;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;

import io.quarkus.amazon.lambda.runtime.MockHttpEventServer;

/**
 * One deployed function, from the deployment package itself ({@code target/function.zip}), run the way AWS's managed
 * Java runtime runs it: the package's contents on the class path and the AWS Lambda Runtime Interface Client polling a
 * Lambda Runtime API for events, one at a time, and calling the handler the stack configures. The Runtime API is
 * Quarkus' mock event server, which also plays API Gateway: each HTTP request to {@link #gatewayPort()} becomes an
 * HTTP API event. The gateway outlives the process, so the function can be killed and started again, as Lambda
 * replaces a crashed instance.
 */
public final class FunctionProcess implements AutoCloseable {

    static final String HANDLER = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest";
    private static final Path ZIP = Path.of("target", "function.zip");
    private static final Path TASK = Path.of("target", "function-task");

    private static boolean unpacked;

    private final String name;
    private final Map<String, String> config;
    private final Map<String, String> environment;
    private final MockHttpEventServer gateway;
    private Process process;

    /**
     * @param name names the log, {@code target/<name>.log} (every start appends to it)
     * @param config the application's configuration, passed as system properties
     * @param environment added to the runtime's environment
     */
    public FunctionProcess(String name, Map<String, String> config, Map<String, String> environment) {
        if (!Files.exists(ZIP)) {
            throw new IllegalStateException("package the Lambda artifact first (./mvnw verify)");
        }
        this.name = name;
        this.config = Map.copyOf(config);
        this.environment = Map.copyOf(environment);
        try {
            Files.deleteIfExists(log());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.gateway = new MockHttpEventServer();
        gateway.start(0);
    }

    public int gatewayPort() {
        return gateway.getPort();
    }

    public Path log() {
        return Path.of("target", name + ".log");
    }

    /** Starts an instance (the gateway holds the requests that arrive before it polls). */
    public synchronized void start() {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", String.join(File.pathSeparator, task().toString(), task().resolve("lib") + File.separator + "*",
                        codeSource(AWSLambda.class), codeSource(PojoSerializer.class))));
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add(AWSLambda.class.getName());
        command.add(HANDLER);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
        builder.environment().put("AWS_LAMBDA_RUNTIME_API", "localhost:" + gateway.getPort() + "/_lambda_");
        builder.environment().put("LAMBDA_TASK_ROOT", task().toAbsolutePath().toString());
        builder.environment().put("_HANDLER", HANDLER);
        builder.environment().putAll(environment);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The running instance's threads ({@code jcmd Thread.print}), written to {@code target/<name>-threads-<n>.txt}:
     * what an invocation that does not answer is waiting for. Null when no instance runs or jcmd failed.
     */
    public synchronized Path threadDump() {
        if (process == null || !process.isAlive()) {
            return null;
        }
        Path file = Path.of("target", name + "-threads-" + System.currentTimeMillis() + ".txt");
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), "Thread.print").redirectErrorStream(true)
                    .redirectOutput(file.toFile()).start();
            return jcmd.waitFor(30, TimeUnit.SECONDS) && jcmd.exitValue() == 0 ? file : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** SIGKILL: no shutdown hook, no flush of anything, as an out-of-memory kill or a lost host. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** SIGTERM, as Lambda ends an instance: shutdown hooks run. The gateway stays for a later {@link #start()}. */
    public synchronized void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    @Override
    public synchronized void close() {
        stop();
        try {
            gateway.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The package's contents, unpacked once per test JVM. */
    private static synchronized Path task() {
        if (!unpacked) {
            try {
                if (Files.exists(TASK)) {
                    try (var old = Files.walk(TASK)) {
                        old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
                unzip(ZIP, TASK);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            unpacked = true;
        }
        return TASK;
    }

    private static String codeSource(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void unzip(Path zip, Path target) throws IOException {
        try (ZipFile file = new ZipFile(zip.toFile())) {
            for (ZipEntry entry : Collections.list(file.entries())) {
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

package dev.sluice.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged long-running server ({@code ./mvnw package -Dserver}: {@code target/quarkus-app/quarkus-run.jar}) in a
 * process of its own, started with {@code java -jar} and the JVM's default settings, its configuration as system
 * properties ({@code -Dbench.server-jvm-args="..."} adds JVM options; {@code {name}} in them is the server's name).
 */
public final class ServerProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final Process process;
    private final int port;
    /** The management interface's port: health and metrics ({@code /q/*}) are served there, apart from the API. */
    private final int operationsPort;
    private final long startedNanos;

    ServerProcess(String name, Map<String, String> config) {
        this(JAR, name, config);
    }

    /**
     * @param jar the server build's {@code quarkus-run.jar}
     * @param name names the log, {@code target/bench/<name>.log}
     * @param config the application's configuration, as system properties
     */
    public ServerProcess(Path jar, String name, Map<String, String> config) {
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: package the server first (./mvnw package -Dserver)");
        }
        this.port = freePort();
        this.operationsPort = freePort();
        List<String> command = new ArrayList<>(Placement.serverPrefix());
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String jvmArgs = System.getProperty("bench.server-jvm-args", "").replace("{name}", name);
        if (!jvmArgs.isBlank()) {
            command.addAll(List.of(jvmArgs.trim().split("\\s+")));
        }
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Dquarkus.management.port=" + operationsPort);
        command.add("-jar");
        command.add(jar.toString());
        try {
            Files.createDirectories(Path.of("target", "bench"));
            startedNanos = System.nanoTime();
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(Path.of("target", "bench", name + ".log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** Where {@code /q/health} and {@code /q/metrics} are served. */
    public int operationsPort() {
        return operationsPort;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    /**
     * Sends {@code first} until it is answered 2xx and returns the milliseconds from the process start to that
     * answer: the start-up time a user sees. A {@code /q/} path goes to the operations port.
     */
    public double awaitFirstServed(HttpClient http, HttpRequest.Builder first) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        String path = first.build().uri().getPath();
        HttpRequest request = first.uri(URI.create("http://localhost:" + (path.startsWith("/q/") ? operationsPort : port)
                + path))
                .timeout(Duration.ofSeconds(30)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the server ended; see target/bench/*.log");
            }
            try {
                HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() / 100 == 2) {
                    return (System.nanoTime() - startedNanos) / 1e6;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("the server did not answer within 120 s");
    }

    /** Resident memory, from {@code /proc/<pid>/status}, in MiB (NaN where there is no /proc). */
    double rssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            // no /proc
        }
        return Double.NaN;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.sluice.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * mongo-java-server in a JVM of its own, as a real mongod is a process of its own: the benchmarks use it
 * ({@code -Dsluice-test.mongo=process}) so that a million stored documents do not share the heap, and the garbage
 * collector, of the application they measure.
 */
public final class MongoServerProcess {

    private MongoServerProcess() {
    }

    /** Starts the server in a child JVM on a free loopback port and returns its URI once it listens. */
    static String start(String heap) {
        String java = ProcessHandle.current().info().command().orElse("java");
        try {
            Process process = new ProcessBuilder(List.of(java, "-Xmx" + heap, "-cp",
                    System.getProperty("java.class.path"), MongoServerProcess.class.getName()))
                    .redirectErrorStream(true).start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            for (String line; (line = out.readLine()) != null;) {
                if (line.startsWith("listening ")) {
                    Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "mongo-process-output");
                    drain.setDaemon(true);
                    drain.start();
                    return "mongodb://localhost:" + line.substring("listening ".length());
                }
            }
            throw new IllegalStateException("the MongoDB server process ended: " + process.waitFor());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        MongoServer server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        System.out.println("listening " + server.getLocalAddress().getPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}

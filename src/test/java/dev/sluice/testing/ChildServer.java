package dev.sluice.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import org.jboss.logmanager.LogContext;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import dev.sluice.local.EmbeddedServers;

/**
 * An embedded server in a JVM of its own, as a real mongod or SQS is a process of its own: the benchmarks use it
 * ({@code -Dsluice-test.mongo=process}, {@code -Dsluice-test.sqs=process}) so that a million stored documents or a
 * busy ElasticMQ do not share the heap, the garbage collector and the JIT of the JVM that drives the load.
 */
public final class ChildServer {

    private static final Map<String, ProcessHandle> STARTED = new ConcurrentHashMap<>();

    private ChildServer() {
    }

    /** mongo-java-server (in memory) in a child JVM; returns its URI once it listens. */
    static String mongo(String heap) {
        return "mongodb://localhost:" + start("mongo", heap);
    }

    /** ElasticMQ in a child JVM; returns its endpoint once it listens. */
    static String sqs(String heap) {
        return "http://localhost:" + start("sqs", heap);
    }

    /** The process of a kind started here ({@code mongo}, {@code sqs}), to measure what it costs. */
    public static Optional<ProcessHandle> process(String kind) {
        return Optional.ofNullable(STARTED.get(kind));
    }

    private static String start(String kind, String heap) {
        String java = ProcessHandle.current().info().command().orElse("java");
        try {
            List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap));
            // e.g. a flight recording while profiling a benchmark: -Dsluice.test.child-jvm-args=...{kind}...
            String extra = System.getProperty("sluice.test.child-jvm-args", "").replace("{kind}", kind);
            if (!extra.isBlank()) {
                command.addAll(List.of(extra.trim().split("\\s+")));
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), ChildServer.class.getName(), kind));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true).start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(process)));
            STARTED.put(kind, process.toHandle());
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            for (String line; (line = out.readLine()) != null;) {
                if (line.startsWith("listening ")) {
                    Thread drain = new Thread(() -> out.lines().forEach(l -> { }), kind + "-process-output");
                    drain.setDaemon(true);
                    drain.start();
                    return line.substring("listening ".length());
                }
            }
            throw new IllegalStateException("the " + kind + " server process ended: " + process.waitFor());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Asks the process to end (so that it can finish what it writes, a flight recording), then ends it. */
    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    public static void main(String[] args) throws InterruptedException {
        // slf4j reaches JBoss LogManager here, unconfigured: mongo-java-server formatted a debug line of every
        // request, documents and all (40 % of its CPU in the flush benchmark), and ElasticMQ logged likewise
        LogContext.getLogContext().getLogger("").setLevel(Level.INFO);
        if (args[0].equals("local")) {
            // the local run's servers, as LocalStackStartup starts them: local <data dir> <sqs> <mongo> <redis>
            EmbeddedServers local = EmbeddedServers.start(Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), java.nio.file.Path.of(args[1]));
            Runtime.getRuntime().addShutdownHook(new Thread(local::close));
            System.out.println("listening " + args[2]);
            System.out.flush();
            Thread.currentThread().join();
        }
        int port;
        if (args[0].equals("mongo")) {
            MongoServer server = new MongoServer(new MemoryBackend());
            server.bind("127.0.0.1", 0);
            port = server.getLocalAddress().getPort();
        } else {
            port = Integer.parseInt(EmbeddedServers.start(0, -1, -1, null).sqsEndpoint().replaceAll(".*:", ""));
        }
        System.out.println("listening " + port);
        System.out.flush();
        Thread.currentThread().join();
    }
}

package dev.sluice.packaged;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.sluice.bench.ServerProcess;
import dev.sluice.local.EmbeddedServers;
import dev.sluice.testing.ChildServer;

/**
 * The local run keeps the README's promise "202 only once the event is durable": its queue, MongoDB and Redis (the
 * local run's own servers, {@link EmbeddedServers} with a data directory, in a process of their own as
 * {@code quarkus:dev} runs them) are stopped with events queued, and brought back on the same data: every event
 * answered 202 is stored by the next flush, and the accepted-events ledger in Redis still counts them all.
 */
class LocalRunDurabilityIT {

    private static final String KEY = "local-durability-key";

    @Test
    void everyAcceptedEventIsStoredAfterTheLocalStackStopsAndComesBack() throws Exception {
        Path data = Files.createTempDirectory("sluice-local-data");
        int sqs = freePort();
        int mongo = freePort();
        int redis = freePort();
        Map<String, String> config = config(sqs, mongo, redis);

        List<String> accepted = new ArrayList<>();
        Process stack = startStack(data, sqs, mongo, redis);
        try (ServerProcess server = server("local-before", config)) {
            for (int i = 0; i < 5; i++) {
                accepted.add(post(server, "/api/ai/usage", "{\"eventId\":\"local-" + i + "\",\"userId\":\"u-local\","
                        + "\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}"));
            }
            accepted.add(post(server, "/v1/batch", "{\"batch\":[{\"type\":\"track\",\"messageId\":\"local-s\","
                    + "\"userId\":\"u-local\",\"event\":\"Clicked\"}]}"));
        } finally {
            stop(stack); // as Ctrl-C stops the local run: the events are still queued
        }
        assertEquals(6, accepted.size());

        stack = startStack(data, sqs, mongo, redis);
        try (ServerProcess server = server("local-after", config)) {
            given().port(server.port()).header("Authorization", "Bearer " + KEY).post("/internal/flush").then()
                    .statusCode(200).body("inserted", equalTo(6)).body("events", equalTo(6));
            assertEquals(6, ledgerTotal(redis), "the ledger's counts survived in Redis's append-only file");
        } finally {
            stop(stack);
        }
    }

    private static Map<String, String> config(int sqs, int mongo, int redis) {
        Map<String, String> c = new HashMap<>();
        String endpoint = "http://localhost:" + sqs;
        c.put("quarkus.sqs.endpoint-override", endpoint);
        c.put("quarkus.sqs.aws.region", EmbeddedServers.REGION);
        c.put("quarkus.sqs.aws.credentials.type", "static");
        c.put("sluice.queue.url", endpoint + "/" + EmbeddedServers.ACCOUNT + "/" + EmbeddedServers.LOCAL_QUEUE);
        c.put("sluice.queue.dlq-url", endpoint + "/" + EmbeddedServers.ACCOUNT + "/" + EmbeddedServers.LOCAL_QUEUE
                + "-dlq");
        c.put("quarkus.mongodb.connection-string", "mongodb://localhost:" + mongo);
        c.put("quarkus.redis.hosts", "redis://localhost:" + redis);
        c.put("sluice.auth.write-keys", KEY);
        c.put("sluice.auth.admin-keys", KEY);
        c.put("sluice.flush.every", "off"); // the events stay queued until the test flushes
        c.put("sluice.memory.every", "off");
        return c;
    }

    private static ServerProcess server(String name, Map<String, String> config) {
        ServerProcess server = new ServerProcess(ServerConnectionsIT.JAR, name, config);
        server.awaitFirstServed(HttpClient.newHttpClient(),
                HttpRequest.newBuilder(URI.create("http://localhost/q/health/ready")).GET());
        return server;
    }

    private static String post(ServerProcess server, String path, String body) {
        given().port(server.port()).contentType("application/json").header("Authorization", "Bearer " + KEY)
                .body(body).post(path).then().statusCode(202);
        return path;
    }

    /** The local run's servers in a JVM of their own; returns once they listen. */
    private static Process startStack(Path data, int sqs, int mongo, int redis) throws IOException {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ChildServer.class.getName(), "local", data.toString(),
                Integer.toString(sqs), Integer.toString(mongo), Integer.toString(redis))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null;) {
            if (line.startsWith("listening ")) {
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "local-stack-output");
                drain.setDaemon(true);
                drain.start();
                return process;
            }
        }
        throw new IllegalStateException("the local stack ended before it listened");
    }

    /** SIGTERM, as Ctrl-C on the local run: the servers stop and close their files. */
    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** The sum of the ledger's per-minute counts, read with Redis's own protocol (KEYS, then GET each). */
    private static long ledgerTotal(int port) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            List<String> keys = new ArrayList<>();
            for (String key : array(command(out, in, "KEYS", "sluice:ledger:accepted:*"))) {
                keys.add(key);
            }
            long total = 0;
            for (String key : keys) {
                command(out, in, "GET", key);
                total += Long.parseLong(bulk(in));
            }
            return total;
        }
    }

    private static BufferedReader command(OutputStream out, BufferedReader in, String... words) throws IOException {
        StringBuilder resp = new StringBuilder("*" + words.length + "\r\n");
        for (String word : words) {
            resp.append('$').append(word.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(word)
                    .append("\r\n");
        }
        out.write(resp.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        return in;
    }

    private static List<String> array(BufferedReader in) throws IOException {
        String head = in.readLine();
        if (head == null || head.charAt(0) != '*') {
            throw new UncheckedIOException(new IOException("not an array: " + head));
        }
        List<String> items = new ArrayList<>();
        for (int i = Integer.parseInt(head.substring(1)); i > 0; i--) {
            items.add(bulk(in));
        }
        return items;
    }

    private static String bulk(BufferedReader in) throws IOException {
        String head = in.readLine();
        if (head == null || head.charAt(0) != '$' || head.equals("$-1")) {
            throw new UncheckedIOException(new IOException("not a string: " + head));
        }
        return in.readLine();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

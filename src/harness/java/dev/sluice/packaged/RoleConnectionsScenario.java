package dev.sluice.packaged;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import dev.sluice.testing.FaultProxy;
import dev.sluice.testing.SluiceTestServers;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.specification.RequestSpecification;

/**
 * The connections one instance of each role holds, counted where they live: at the MongoDB and Redis sockets, through
 * proxies of the instance's own, from before its process starts until after it has stopped. Each role runs as the
 * packaged artifact runs in production (subclasses say how), with MongoDB configured in every role, as a shared
 * environment would, and is sent the traffic of its routes: health and metrics, tracking calls, a flush of what ingest
 * queued, stats reads.
 *
 * <p>What the design allows, per instance, with one MongoDB host and a pool of {@code quarkus.mongodb.max-pool-size}
 * (2): the ingest role in {@code queue} mode never opens a MongoDB connection, not one, from start to stop; the other
 * roles at most a monitoring connection per member plus the pool. Redis: every role uses it (ingest for rate limits
 * and the ledger), at most {@link #redisPool()} connections. The peaks are written to
 * {@code target/measured-connections.properties}, which the infrastructure's budget test checks its formula against.
 */
abstract class RoleConnectionsScenario {

    /** The roles, in the order the traffic flows: ingest queues events, the flush stores them, stats reads them. */
    static final List<String> ROLES = List.of("ingest", "flush", "stats", "all");
    static final Path MEASURED = Path.of("target", "measured-connections.properties");
    /** MongoDB members behind the proxy (one host) and the pool size of the application's configuration. */
    static final int MEMBERS = 1;
    static final int MONGO_POOL = 2;

    /** An instance of the artifact, running in a process of its own. */
    interface Instance extends AutoCloseable {
        /** Where HTTP requests reach it (for a Lambda function: the gateway in front of it). */
        int port();

        /** Where its health and metrics are served: the server's management port, the function's gateway. */
        int operationsPort();

        /** Stops it as its platform does (SIGTERM), and waits until it has. */
        @Override
        void close();

        static Instance of(int port, int operationsPort, Runnable stop) {
            return new Instance() {
                @Override
                public int port() {
                    return port;
                }

                @Override
                public int operationsPort() {
                    return operationsPort;
                }

                @Override
                public void close() {
                    stop.run();
                }
            };
        }
    }

    /** {@code lambda} or {@code server}: the prefix of the measurements. */
    abstract String artifact();

    /** Starts one instance of {@code role}, with this configuration, and waits until it serves. */
    abstract Instance start(String role, Map<String, String> config);

    /** Redis connections one instance may hold: its Redis pool. */
    abstract int redisPool();

    @BeforeAll
    static void servers() {
        new SluiceTestServers().start();
    }

    /** What one instance of a role held, at the sockets. */
    record Held(String role, int mongoOpened, int mongoPeak, int redisOpened, int redisPeak) {
    }

    @Test
    void eachRoleHoldsTheConnectionsItsDesignAllowsFromStartToStop() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> shared = new HashMap<>(SluiceTestServers.config());
        shared.putAll(SluiceTestServers.freshQueues("connections-" + artifact()));
        shared.put("sluice.mongo.database", "connections_" + artifact() + "_" + run);
        shared.put("sluice.stats.key-prefix", "connections-" + run + ":");
        List<Held> held = new ArrayList<>();
        for (String role : ROLES) {
            held.add(measure(role, shared));
        }
        record(held);

        List<Executable> checks = new ArrayList<>();
        for (Held h : held) {
            if (h.role().equals("ingest")) {
                checks.add(() -> assertEquals(0, h.mongoOpened(),
                        "the ingest role opened MongoDB connections: " + h));
            } else {
                checks.add(() -> assertTrue(h.mongoPeak() >= MEMBERS && h.mongoPeak() <= MEMBERS + MONGO_POOL,
                        "a role that uses MongoDB holds its monitoring connection and at most its pool: " + h));
            }
            checks.add(() -> assertTrue(h.redisPeak() >= 1 && h.redisPeak() <= redisPool(),
                    "every role uses Redis, within its pool of " + redisPool() + ": " + h));
        }
        assertAll(checks);
    }

    private Held measure(String role, Map<String, String> shared) {
        try (SluiceTestServers.Proxied proxies = SluiceTestServers.ownProxies()) {
            Map<String, String> config = new HashMap<>(shared);
            config.putAll(proxies.config());
            // counted from before the process exists
            assertEquals(0, proxies.mongo().acceptedConnections());
            try (Instance instance = start(role, config)) {
                traffic(role, instance.port(), instance.operationsPort());
                // idle, as an instance between invocations
                sleep(2000);
            }
            awaitClosed(proxies.mongo());
            awaitClosed(proxies.redis());
            return new Held(role, proxies.mongo().acceptedConnections(), proxies.mongo().peakConnections(),
                    proxies.redis().acceptedConnections(), proxies.redis().peakConnections());
        }
    }

    /** The calls of the role's routes, each answered as it should be. */
    private static void traffic(String role, int port, int operationsPort) {
        call(operationsPort).get("/q/health/live").then().statusCode(200);
        call(operationsPort).get("/q/health/ready").then().statusCode(200);
        call(operationsPort).get("/q/metrics").then().statusCode(200);
        if (operationsPort != port) {
            // nobody reads them through the port that serves the API, with a key or without
            call(port).get("/q/metrics").then().statusCode(404);
            call(port).get("/q/health/ready").then().statusCode(404);
        }
        boolean all = role.equals("all");
        if (all || role.equals("ingest")) {
            for (int i = 0; i < 5; i++) {
                call(port).body("{\"userId\":\"u-conn\",\"model\":\"m\",\"inputTokens\":" + i + ",\"outputTokens\":1}")
                        .post("/api/ai/usage").then().statusCode(202);
            }
            call(port).body("{\"batch\":[{\"type\":\"track\",\"userId\":\"u-conn\",\"event\":\"Clicked\"},"
                    + "{\"type\":\"page\",\"anonymousId\":\"a-conn\",\"name\":\"Home\"}]}")
                    .post("/v1/batch").then().statusCode(202);
        }
        if (all || role.equals("flush")) {
            call(port).post("/internal/flush").then().statusCode(200);
        }
        if (all || role.equals("stats")) {
            for (int i = 0; i < 2; i++) {
                call(port).get("/api/user-stats?userId=u-conn").then().statusCode(200);
                call(port).get("/api/platform-stats").then().statusCode(200);
            }
        }
    }

    private static RequestSpecification call(int port) {
        // an artifact that hangs fails the test instead of stopping it
        return given().config(RestAssuredConfig.config().httpClient(HttpClientConfig.httpClientConfig()
                        .setParam("http.socket.timeout", 60_000)))
                .port(port).contentType("application/json")
                .header("Authorization", "Bearer " + SluiceTestServers.KEY);
    }

    /** After the process ended, its connections close; the peak and the count are final then. */
    private static void awaitClosed(FaultProxy proxy) {
        for (int i = 0; i < 100 && proxy.openConnections() > 0; i++) {
            sleep(50);
        }
        assertEquals(0, proxy.openConnections(), "connections left open after the process stopped");
    }

    /** Adds this artifact's peaks to the measurements, for the infrastructure's budget test. */
    private void record(List<Held> held) {
        synchronized (RoleConnectionsScenario.class) {
            Properties p = new Properties();
            try {
                if (Files.exists(MEASURED)) {
                    try (Reader in = Files.newBufferedReader(MEASURED)) {
                        p.load(in);
                    }
                }
                p.setProperty("members", Integer.toString(MEMBERS));
                p.setProperty("mongo-pool", Integer.toString(MONGO_POOL));
                for (Held h : held) {
                    p.setProperty(artifact() + "." + h.role() + ".mongo", Integer.toString(h.mongoPeak()));
                    p.setProperty(artifact() + "." + h.role() + ".redis", Integer.toString(h.redisPeak()));
                }
                try (Writer out = Files.newBufferedWriter(MEASURED)) {
                    p.store(out, "Connections one instance of each role held at its peak, counted at the sockets "
                            + "(RoleConnectionsScenario)");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

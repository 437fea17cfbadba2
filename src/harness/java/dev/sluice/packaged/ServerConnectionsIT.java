package dev.sluice.packaged;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import dev.sluice.bench.ServerProcess;

/**
 * {@link RoleConnectionsScenario} for the long-running server build ({@code ./mvnw package -Dserver}), started with
 * {@code java -jar} as a process of its own; the root build packages it into {@code target/server-build} before the
 * integration tests. Its role is {@code sluice.role} (a system property here, as any configuration source would do).
 */
class ServerConnectionsIT extends RoleConnectionsScenario {

    static final Path JAR = Path.of("target", "server-build", "quarkus-app", "quarkus-run.jar");

    @Override
    String artifact() {
        return "server";
    }

    /** The server's Redis pool ({@code quarkus.redis.max-pool-size}): concurrent calls share its connections. */
    @Override
    int redisPool() {
        return 8;
    }

    @Override
    Instance start(String role, Map<String, String> config) {
        Map<String, String> withRole = new HashMap<>(config);
        withRole.put("sluice.role", role);
        ServerProcess server = new ServerProcess(JAR, "connections-" + role, withRole);
        server.awaitFirstServed(HttpClient.newHttpClient(),
                HttpRequest.newBuilder(URI.create("http://localhost/q/health/live")).GET());
        return Instance.of(server.port(), server.operationsPort(), server::close);
    }
}

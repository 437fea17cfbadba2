package dev.sluice.local;

import java.nio.file.Path;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;

/**
 * The local run ({@code ./mvnw quarkus:dev -Dserver=local}): starts ElasticMQ on 9324 (the queues {@code sluice-events}
 * and {@code sluice-events-dlq}), MongoDB (mongo-java-server) on 27017 and Redis on 6379, each keeping its data under
 * {@code data/} across restarts ({@link EmbeddedServers}), before anything uses them. A server whose environment
 * variable is set ({@code SLUICE_SQS_ENDPOINT}, {@code MONGODB_URI}, {@code REDIS_URL}) is not started: the real one
 * is used. The servers outlive live reloads and stop with the JVM.
 */
@ApplicationScoped
@IfBuildProfile("dev")
public class LocalStackStartup {

    private static final Logger LOG = Logger.getLogger(LocalStackStartup.class);
    static final Path DATA = Path.of("data");

    /** Before the platform's own start-up observers: the scheduler's first flush runs at its start. */
    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE - 1) StartupEvent event) {
        boolean sqs = System.getenv("SLUICE_SQS_ENDPOINT") == null;
        boolean mongo = System.getenv("MONGODB_URI") == null;
        boolean redis = System.getenv("REDIS_URL") == null;
        EmbeddedServers servers = EmbeddedServers.start(sqs ? 9324 : -1, mongo ? 27017 : -1, redis ? 6379 : -1, DATA);
        Runtime.getRuntime().addShutdownHook(new Thread(servers::close, "sluice-local-servers"));
        LOG.infof("local run: SQS %s (queues %s, %s-dlq), MongoDB %s, Redis %s; their data in %s",
                sqs ? servers.sqsEndpoint() : "from SLUICE_SQS_ENDPOINT", EmbeddedServers.LOCAL_QUEUE,
                EmbeddedServers.LOCAL_QUEUE, mongo ? servers.mongoUri() : "from MONGODB_URI",
                redis ? servers.redisUrl() : "from REDIS_URL", DATA.toAbsolutePath());
    }
}

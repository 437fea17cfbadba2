package dev.sluice.local;

import java.nio.file.Path;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;

/**
 * The local run ({@code ./mvnw quarkus:dev -Dserver=local}): starts ElasticMQ on 9324, MongoDB (mongo-java-server,
 * data in {@code data/mongo.mv}) on 27017 and Redis on 6379 before anything uses them, and creates the queues. A
 * server whose environment variable is set ({@code SLUICE_SQS_ENDPOINT}, {@code MONGODB_URI}, {@code REDIS_URL}) is
 * not started: the real one is used. The servers outlive live reloads and stop with the JVM.
 */
@ApplicationScoped
@IfBuildProfile("dev")
public class LocalStackStartup {

    private static final Logger LOG = Logger.getLogger(LocalStackStartup.class);

    @ConfigProperty(name = "sluice.local.queue-name", defaultValue = "sluice-events")
    String queueName;

    void start(@Observes @Priority(1) StartupEvent event) {
        boolean embeddedSqs = System.getenv("SLUICE_SQS_ENDPOINT") == null;
        EmbeddedServers servers = EmbeddedServers.start(
                embeddedSqs ? 9324 : -1,
                System.getenv("MONGODB_URI") == null ? 27017 : -1,
                System.getenv("REDIS_URL") == null ? 6379 : -1,
                Path.of("data", "mongo.mv"));
        Runtime.getRuntime().addShutdownHook(new Thread(servers::close, "sluice-local-servers"));
        if (embeddedSqs) {
            EmbeddedServers.QueueUrls urls = EmbeddedServers.createQueues(servers.sqsEndpoint(),
                    EmbeddedServers.REGION, queueName, true);
            LOG.infof("local run: SQS %s (queue %s), MongoDB %s, Redis %s", servers.sqsEndpoint(), urls.url(),
                    servers.mongoUri(), servers.redisUrl());
        }
    }
}

package dev.sluice.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.elasticmq.NodeAddress;
import org.elasticmq.server.ElasticMQServer;
import org.elasticmq.server.config.ElasticMQServerConfig;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import com.typesafe.config.ConfigFactory;

import redis.embedded.RedisServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The servers Sluice needs, run on loopback without installing anything: ElasticMQ for SQS, mongo-java-server for
 * MongoDB and a real redis-server (the binary shipped in the embedded-redis jar). Used by the tests and by the local
 * run; never part of a packaged artifact.
 *
 * <p>In memory for the tests; with a data directory (the local run's {@code data/}) every one keeps what it holds
 * across a stop and a restart, so an event answered 202 is stored after any restart, as on AWS: ElasticMQ keeps its
 * messages in an H2 database ({@code elasticmq.mv.db}) and declares the local queues at start, MongoDB its data in
 * an H2 file ({@code mongo.mv}), Redis an append-only file written at every command ({@code redis/}), which holds
 * the loss check's ledger.
 */
public final class EmbeddedServers implements AutoCloseable {

    /** ElasticMQ's account id in queue URLs and ARNs. */
    public static final String ACCOUNT = "000000000000";
    public static final String REGION = "elasticmq";
    /** Receives before SQS moves a message to the dead-letter queue, as in the deployed stack. */
    public static final int MAX_RECEIVE_COUNT = 5;
    /** The local run's queue; its dead-letter queue is {@code sluice-events-dlq}. */
    public static final String LOCAL_QUEUE = "sluice-events";

    private SQSRestServer sqs;
    private scala.Function0<?> durableSqs;
    private MongoServer mongo;
    private RedisServer redis;
    private int sqsPort;
    private int mongoPort;
    private int redisPort;

    private EmbeddedServers() {
    }

    /**
     * Starts the three servers on the given ports ({@code 0} picks a free one, a negative port starts none). A port
     * already in use is taken to be a server of that kind already running (a previous start of the local run, or a
     * real one) and is left alone.
     *
     * @param data the directory that keeps their data across restarts, or {@code null} to keep it in memory
     */
    public static EmbeddedServers start(int sqsPort, int mongoPort, int redisPort, Path data) {
        EmbeddedServers servers = new EmbeddedServers();
        try {
            Path dir = data == null ? null : Files.createDirectories(data.toAbsolutePath());
            servers.sqsPort = sqsPort == 0 ? freePort() : sqsPort;
            if (sqsPort >= 0 && !inUse(servers.sqsPort)) {
                if (dir == null) {
                    servers.sqs = SQSRestServerBuilder.withPort(servers.sqsPort).withInterface("127.0.0.1")
                            .withServerAddress(new NodeAddress("http", "localhost", servers.sqsPort, ""))
                            .withAWSAccountId(ACCOUNT).start();
                    servers.sqs.waitUntilStarted();
                } else {
                    servers.durableSqs = durableSqs(servers.sqsPort, dir);
                }
            }
            servers.mongoPort = mongoPort == 0 ? freePort() : mongoPort;
            if (mongoPort >= 0 && !inUse(servers.mongoPort)) {
                MongoBackend backend = dir == null ? new MemoryBackend()
                        : new H2Backend(dir.resolve("mongo.mv").toString());
                servers.mongo = new MongoServer(backend);
                servers.mongo.bind("127.0.0.1", servers.mongoPort);
            }
            servers.redisPort = redisPort == 0 ? freePort() : redisPort;
            if (redisPort >= 0 && !inUse(servers.redisPort)) {
                var redis = RedisServer.newRedisServer().port(servers.redisPort).bind("127.0.0.1").setting("save \"\"");
                if (dir == null) {
                    redis.setting("appendonly no");
                } else {
                    Path redisDir = Files.createDirectories(dir.resolve("redis"));
                    // every command on disk before it is answered: the ledger's counts survive any stop
                    redis.setting("appendonly yes").setting("appendfsync always").setting("dir " + redisDir);
                }
                servers.redis = redis.build();
                servers.redis.start();
            }
            return servers;
        } catch (IOException e) {
            servers.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            servers.close();
            throw e;
        }
    }

    /**
     * ElasticMQ with its messages in an H2 database under {@code dir} and the local queues declared in its
     * configuration, so they exist from its start (before the first flush) and keep their messages across restarts.
     */
    private static scala.Function0<?> durableSqs(int port, Path dir) {
        String config = """
                node-address { protocol = http, host = localhost, port = %d, context-path = "" }
                rest-sqs { enabled = true, bind-port = %d, bind-hostname = "127.0.0.1", sqs-limits = strict }
                generate-node-address = false
                aws { region = "%s", accountId = "%s" }
                queues {
                  %s { deadLettersQueue { name = "%s-dlq", maxReceiveCount = %d } }
                  %s-dlq { }
                }
                messages-storage { enabled = true, uri = "jdbc:h2:%s" }
                """.formatted(port, port, REGION, ACCOUNT, LOCAL_QUEUE, LOCAL_QUEUE, MAX_RECEIVE_COUNT, LOCAL_QUEUE,
                dir.resolve("elasticmq").toString().replace('\\', '/'));
        return new ElasticMQServer(new ElasticMQServerConfig(ConfigFactory.parseString(config)
                .withFallback(ConfigFactory.load()))).start();
    }

    public String sqsEndpoint() {
        return "http://localhost:" + sqsPort;
    }

    public String mongoUri() {
        return "mongodb://localhost:" + mongoPort;
    }

    public String redisUrl() {
        return "redis://localhost:" + redisPort;
    }

    /** The URLs of a queue and its dead-letter queue. */
    public record QueueUrls(String url, String dlqUrl) {
    }

    /**
     * Creates a queue and its dead-letter queue (redrive after {@link #MAX_RECEIVE_COUNT} receives) on any SQS
     * endpoint; creating a queue that exists with the same attributes is a no-op, as on AWS.
     */
    public static QueueUrls createQueues(String endpoint, String region, String name, boolean staticCredentials) {
        try (SqsClient client = sqsClient(endpoint, region, staticCredentials)) {
            String dlqUrl = client.createQueue(b -> b.queueName(name + "-dlq").attributes(Map.of(
                    QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600"))).queueUrl();
            String dlqArn = client.getQueueAttributes(b -> b.queueUrl(dlqUrl)
                    .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
            String url = client.createQueue(b -> b.queueName(name).attributes(Map.of(
                    QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600",
                    QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + dlqArn
                            + "\",\"maxReceiveCount\":\"" + MAX_RECEIVE_COUNT + "\"}"))).queueUrl();
            return new QueueUrls(url, dlqUrl);
        }
    }

    /**
     * An SQS client for any SQS endpoint: with static credentials for a local one, else the default AWS credentials.
     * The caller closes it.
     */
    public static SqsClient sqsClient(String endpoint, String region, boolean staticCredentials) {
        return sqsClient(endpoint, region, staticCredentials, UrlConnectionHttpClient.builder());
    }

    /** An SQS client as {@link #sqsClient(String, String, boolean)}, through the given HTTP client. */
    public static SqsClient sqsClient(String endpoint, String region, boolean staticCredentials,
            SdkHttpClient.Builder<?> http) {
        var builder = SqsClient.builder().httpClientBuilder(http).region(Region.of(region))
                .endpointOverride(URI.create(endpoint));
        if (staticCredentials) {
            builder.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local",
                    "local")));
        }
        return builder.build();
    }

    @Override
    public void close() {
        if (redis != null) {
            try {
                redis.stop();
            } catch (IOException e) {
                // the process is gone or going; nothing else to do
            }
        }
        if (mongo != null) {
            mongo.shutdownNow();
        }
        if (sqs != null) {
            sqs.stopAndWait();
        }
        if (durableSqs != null) {
            durableSqs.apply();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static boolean inUse(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

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
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
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
 * MongoDB (in memory, or in an H2 file so data survives a restart) and a real redis-server (the binary shipped in the
 * embedded-redis jar). Used by the tests and by the local run; never part of a packaged artifact.
 */
public final class EmbeddedServers implements AutoCloseable {

    /** ElasticMQ's account id in queue URLs and ARNs. */
    public static final String ACCOUNT = "000000000000";
    public static final String REGION = "elasticmq";
    /** Receives before SQS moves a message to the dead-letter queue, as in the deployed stack. */
    public static final int MAX_RECEIVE_COUNT = 5;

    private SQSRestServer sqs;
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
     * @param mongoData the H2 file for MongoDB's data, or {@code null} to keep it in memory
     */
    public static EmbeddedServers start(int sqsPort, int mongoPort, int redisPort, Path mongoData) {
        EmbeddedServers servers = new EmbeddedServers();
        try {
            servers.sqsPort = sqsPort == 0 ? freePort() : sqsPort;
            if (sqsPort >= 0 && !inUse(servers.sqsPort)) {
                servers.sqs = SQSRestServerBuilder.withPort(servers.sqsPort).withInterface("127.0.0.1")
                        .withServerAddress(new NodeAddress("http", "localhost", servers.sqsPort, ""))
                        .withAWSAccountId(ACCOUNT).start();
                servers.sqs.waitUntilStarted();
            }
            servers.mongoPort = mongoPort == 0 ? freePort() : mongoPort;
            if (mongoPort >= 0 && !inUse(servers.mongoPort)) {
                MongoBackend backend;
                if (mongoData == null) {
                    backend = new MemoryBackend();
                } else {
                    Files.createDirectories(mongoData.toAbsolutePath().getParent());
                    backend = new H2Backend(mongoData.toString());
                }
                servers.mongo = new MongoServer(backend);
                servers.mongo.bind("127.0.0.1", servers.mongoPort);
            }
            servers.redisPort = redisPort == 0 ? freePort() : redisPort;
            if (redisPort >= 0 && !inUse(servers.redisPort)) {
                servers.redis = RedisServer.newRedisServer().port(servers.redisPort).bind("127.0.0.1")
                        .setting("save \"\"").setting("appendonly no").build();
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

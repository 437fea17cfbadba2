package dev.sluice.testing;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.local.EmbeddedServers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The servers behind every {@code @QuarkusTest}: embedded ones on loopback (ElasticMQ, mongo-java-server, redis-server)
 * or, when their variables are set, real ones: {@code SLUICE_SQS_ENDPOINT} (with {@code AWS_REGION} and
 * {@code SLUICE_SQS_CREDENTIALS=default} for AWS credentials from the environment), {@code MONGODB_URI} (one host)
 * and {@code REDIS_URL}. With {@code -Dsluice-test.mongo=process} and {@code -Dsluice-test.sqs=process} (the
 * benchmarks), mongo-java-server and ElasticMQ run in JVMs of their own instead of this one. Each run gets its own queues, database and Redis key prefix. SQS, MongoDB and Redis are
 * reached through a {@link FaultProxy}, so tests can take them down and up without losing their data.
 */
public class SluiceTestServers implements QuarkusTestResourceLifecycleManager {

    /** {@code mongodb://[userinfo@]hosts[/database][?options]}; SRV URIs cannot be proxied. */
    private static final Pattern MONGO_URI = Pattern.compile("^mongodb://((?:[^@/]*@)?)([^/?]+)(.*)$");

    /** The key the tests send: a write key, an admin key and a service key. */
    public static final String KEY = "test-key";
    /** A write key only. */
    public static final String ROTATED_WRITE_KEY = "rotated-test-key";

    private static EmbeddedServers embedded;
    private static FaultProxy sqsProxy;
    private static FaultProxy mongoProxy;
    private static FaultProxy redisProxy;
    private static Map<String, String> config;
    private static String directMongoUri;
    /** The parts of the MongoDB URI around its host: the user info; the path and options, connecting directly. */
    private static String mongoUserInfo;
    private static String mongoRest;
    private static String sqsEndpoint;
    private static String directRedisUrl;
    private static String sqsRegion;
    private static boolean sqsStaticCredentials;

    @Override
    public synchronized Map<String, String> start() {
        if (config != null) {
            return config;
        }
        String sqsEnv = System.getenv("SLUICE_SQS_ENDPOINT");
        if (sqsEnv == null && "process".equals(System.getProperty("sluice-test.sqs"))) {
            sqsEnv = ChildServer.sqs("1g");
        }
        String mongoEnv = System.getenv("MONGODB_URI");
        if (mongoEnv == null && "process".equals(System.getProperty("sluice-test.mongo"))) {
            mongoEnv = ChildServer.mongo(System.getProperty("sluice-test.mongo-heap", "8g"));
        }
        String redisEnv = System.getenv("REDIS_URL");
        embedded = EmbeddedServers.start(sqsEnv == null ? 0 : -1, mongoEnv == null ? 0 : -1,
                redisEnv == null ? 0 : -1, null);
        String sqsEndpoint = sqsEnv != null ? sqsEnv : embedded.sqsEndpoint();
        String mongoUri = mongoEnv != null ? mongoEnv : embedded.mongoUri();
        directMongoUri = mongoUri;
        boolean realSqs = System.getenv("SLUICE_SQS_ENDPOINT") != null;
        String region = realSqs ? System.getenv().getOrDefault("AWS_REGION", "us-east-1") : EmbeddedServers.REGION;
        boolean staticCredentials = !realSqs || !"default".equals(System.getenv("SLUICE_SQS_CREDENTIALS"));

        String run = UUID.randomUUID().toString().substring(0, 8);
        SluiceTestServers.sqsEndpoint = sqsEndpoint;
        sqsRegion = region;
        sqsStaticCredentials = staticCredentials;
        EmbeddedServers.QueueUrls queues = EmbeddedServers.createQueues(sqsEndpoint, region, "sluice-test-" + run,
                staticCredentials);
        URI sqs = URI.create(sqsEndpoint);
        sqsProxy = new FaultProxy(sqs.getHost(), port(sqs, 80));
        Matcher mongo = MONGO_URI.matcher(mongoUri);
        if (!mongo.matches()) {
            throw new IllegalArgumentException("MONGODB_URI must be mongodb://[user:password@]host[:port][/...]");
        }
        String[] firstHost = mongo.group(2).split(",")[0].split(":");
        mongoProxy = new FaultProxy(firstHost[0], firstHost.length > 1 ? Integer.parseInt(firstHost[1]) : 27017);

        Map<String, String> c = new HashMap<>();
        String proxiedSqs = "http://localhost:" + sqsProxy.port();
        c.put("quarkus.sqs.endpoint-override", proxiedSqs);
        c.put("quarkus.sqs.aws.region", region);
        c.put("quarkus.sqs.aws.credentials.type", staticCredentials ? "static" : "default");
        c.put("sluice.queue.url", proxied(queues.url(), proxiedSqs));
        c.put("sluice.queue.dlq-url", proxied(queues.dlqUrl(), proxiedSqs));
        String rest = mongo.group(3);
        String direct = rest.contains("?") ? "&directConnection=true"
                : rest.isEmpty() ? "/?directConnection=true" : "?directConnection=true";
        mongoUserInfo = mongo.group(1);
        mongoRest = rest + direct;
        c.put("quarkus.mongodb.connection-string", mongoUriVia(mongoProxy));
        c.put("sluice.mongo.database", "sluice_test_" + run);
        // flushes are triggered by the tests (on AWS too, the stack sets SLUICE_FLUSH_EVERY=off: EventBridge flushes)
        c.put("sluice.flush.every", "off");
        c.put("sluice.memory.every", "off");
        URI redis = URI.create(redisEnv != null ? redisEnv : embedded.redisUrl());
        directRedisUrl = redis.toString();
        redisProxy = new FaultProxy(redis.getHost(), port(redis, 6379));
        c.put("quarkus.redis.hosts", redisUrlVia(redisProxy));
        c.put("sluice.stats.key-prefix", "sluice-test-" + run + ":");
        // the key every test request carries (PipelineTest), valid for ingest and the internal routes; and a second
        // write key, as during a rotation
        c.put("sluice.auth.write-keys", KEY + "," + ROTATED_WRITE_KEY);
        c.put("sluice.auth.admin-keys", KEY);
        c.put("sluice.auth.service-keys", KEY);
        c.put("mp.jwt.verify.publickey.location", TestTokens.jwksFile().toUri().toString());
        c.put("mp.jwt.verify.issuer", TestTokens.ISSUER);
        config = Map.copyOf(c);
        return config;
    }

    /** The MongoDB URI through a proxy (a single host, connected directly). */
    private static String mongoUriVia(FaultProxy proxy) {
        return "mongodb://" + mongoUserInfo + "localhost:" + proxy.port() + mongoRest;
    }

    private static String redisUrlVia(FaultProxy proxy) {
        URI redis = URI.create(directRedisUrl);
        return redis.getScheme() + "://" + (redis.getRawUserInfo() == null ? "" : redis.getRawUserInfo() + "@")
                + "localhost:" + proxy.port() + (redis.getRawPath() == null ? "" : redis.getRawPath());
    }

    /**
     * New proxies of their own in front of MongoDB and Redis, and the configuration that sends an application's
     * traffic through them: they count that application's connections alone, from before it starts.
     */
    public static Proxied ownProxies() {
        FaultProxy mongo = new FaultProxy(mongoProxy.targetHost(), mongoProxy.targetPort());
        URI redisUri = URI.create(directRedisUrl);
        FaultProxy redis = new FaultProxy(redisUri.getHost(), port(redisUri, 6379));
        return new Proxied(mongo, redis, Map.of("quarkus.mongodb.connection-string", mongoUriVia(mongo),
                "quarkus.redis.hosts", redisUrlVia(redis)));
    }

    /** Proxies of one application's own, and the configuration that makes it use them. */
    public record Proxied(FaultProxy mongo, FaultProxy redis, Map<String, String> config) implements AutoCloseable {
        @Override
        public void close() {
            mongo.close();
            redis.close();
        }
    }

    /** The queue URL as seen through the proxy (the path names the queue on SQS and on ElasticMQ). */
    private static String proxied(String queueUrl, String proxiedEndpoint) {
        return proxiedEndpoint + URI.create(queueUrl).getRawPath();
    }

    private static int port(URI uri, int fallback) {
        return uri.getPort() > 0 ? uri.getPort() : fallback;
    }

    @Override
    public void stop() {
        // The servers live for the whole test JVM: several Quarkus applications (test profiles) share them.
    }

    /** The configuration handed to the application under test (also to a packaged artifact, as system properties). */
    public static String config(String key) {
        return config.get(key);
    }

    /** All of it, for an artifact started by a test. */
    public static Map<String, String> config() {
        return config;
    }

    /** MongoDB itself, not through its proxy: for a harness that counts while the proxy is down or slowed. */
    public static String directMongoUri() {
        return directMongoUri;
    }

    /** The SQS endpoint itself, not through its proxy. */
    public static String directSqsEndpoint() {
        return sqsEndpoint;
    }

    /** Redis itself, not through its proxy. */
    public static String directRedisUrl() {
        return directRedisUrl;
    }

    /** A queue and dead-letter queue of their own, reached through the proxy, as configuration to add. */
    public static Map<String, String> freshQueues(String name) {
        EmbeddedServers.QueueUrls queues = EmbeddedServers.createQueues(sqsEndpoint, sqsRegion,
                name + "-" + UUID.randomUUID().toString().substring(0, 8), sqsStaticCredentials);
        String proxiedSqs = config.get("quarkus.sqs.endpoint-override");
        return Map.of("sluice.queue.url", proxied(queues.url(), proxiedSqs),
                "sluice.queue.dlq-url", proxied(queues.dlqUrl(), proxiedSqs));
    }

    public static FaultProxy sqsProxy() {
        return sqsProxy;
    }

    public static FaultProxy redisProxy() {
        return redisProxy;
    }

    public static FaultProxy mongoProxy() {
        return mongoProxy;
    }
}

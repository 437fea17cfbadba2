package dev.sluice.infra;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import software.constructs.Node;

/**
 * Everything a deployment can choose, read from CDK context ({@code cdk deploy -c key=value} or {@code cdk.json});
 * each default is the one documented in infra/README.md. The alarm thresholds default to the application's
 * ({@code sluice.alarms.*}).
 */
public record SluiceSettings(
        /** Native executable on {@code provided.al2023} (default), or the JVM artifact with SnapStart. */
        boolean nativeBuild,
        /** The deployment package built by the root project. */
        String artifact,
        /** {@code queue} (default) or {@code direct}, the rollback switch; {@code memory} cannot run on Lambda. */
        String writeMode,
        /** Secrets Manager secret (name or ARN) whose JSON field {@code uri} is the MongoDB connection string. */
        String mongoSecret,
        /**
         * Secrets Manager secret with the keys: JSON field {@code writeKeys} (comma-separated ingest keys) and
         * {@code adminKey} (internal routes; the flush schedule sends it).
         */
        String authSecret,
        /** Where the stats function finds the web app's JWT public key (a JWKS URL or PEM location), and the issuer. */
        String jwtPublicKeyLocation, String jwtIssuer,
        /** Origins allowed by CORS; none by default. */
        List<String> allowedOrigins,
        /** Stage throttling: steady requests per second and burst. */
        double throttleRate, int throttleBurst,
        /** Memory of each function, MB. */
        int ingestMemory, int statsMemory, int flushMemory,
        /** Reserved concurrency of the stats function (each environment holds MongoDB connections). */
        int statsConcurrency,
        /**
         * Reserved concurrency of the ingest function: each environment holds a Redis connection (rate limits, the
         * ledger) and, in {@code direct} mode, MongoDB connections.
         */
        int ingestConcurrency,
        /** {@code maxPoolSize} of each environment's MongoDB client. */
        int mongoPoolSize,
        /** Members of the MongoDB replica set (3 on Atlas M0): one monitoring connection each. */
        int replicaSetMembers,
        /** MongoDB connections the deployment may hold; synthesis fails above it. */
        int connectionBudget,
        /** Redis connections the deployment may hold (Redis Cloud's free tier allows 30); synthesis fails above it. */
        int redisConnectionBudget,
        double poolWarning, double poolCritical, int flushFailures, int flushFailureWindowMinutes,
        int oldestMessageAgeSeconds, double cacheHitRatio, int cacheHitRatioWindowMinutes,
        /** E-mail address subscribed to the alarm topic, if any. */
        String alarmEmail,
        /**
         * Private subnets and security groups to run the functions in, for a Redis only reachable in a VPC
         * (ElastiCache Serverless); empty: no VPC. The subnets need a route to SQS and MongoDB (NAT, endpoints).
         */
        List<String> subnetIds, List<String> securityGroupIds) {

    public static SluiceSettings from(Node context) {
        return from(context::tryGetContext);
    }

    /** The settings from context values by key ({@code null} where a key is not set: its default). */
    public static SluiceSettings from(Function<String, Object> get) {
        return new SluiceSettings(
                bool(get.apply("native"), true),
                string(get.apply("artifact"), "../target/function.zip"),
                string(get.apply("writeMode"), "queue"),
                string(get.apply("mongoSecret"), "sluice/mongodb"),
                string(get.apply("authSecret"), "sluice/auth"),
                string(get.apply("jwtPublicKeyLocation"), null),
                string(get.apply("jwtIssuer"), null),
                list(get.apply("allowedOrigins")),
                number(get.apply("throttleRate"), 100),
                (int) number(get.apply("throttleBurst"), 200),
                (int) number(get.apply("ingestMemory"), 256),
                (int) number(get.apply("statsMemory"), 256),
                (int) number(get.apply("flushMemory"), 512),
                (int) number(get.apply("statsConcurrency"), 10),
                (int) number(get.apply("ingestConcurrency"), 15),
                (int) number(get.apply("mongoPoolSize"), 2),
                (int) number(get.apply("replicaSetMembers"), 3),
                (int) number(get.apply("connectionBudget"), 150),
                (int) number(get.apply("redisConnectionBudget"), 30),
                number(get.apply("poolWarning"), 0.6),
                number(get.apply("poolCritical"), 0.8),
                (int) number(get.apply("flushFailures"), 1),
                (int) number(get.apply("flushFailureWindowMinutes"), 5),
                (int) number(get.apply("oldestMessageAgeSeconds"), 120),
                number(get.apply("cacheHitRatio"), 0.8),
                (int) number(get.apply("cacheHitRatioWindowMinutes"), 60),
                string(get.apply("alarmEmail"), null),
                list(get.apply("subnetIds")),
                list(get.apply("securityGroupIds")));
    }

    public boolean inVpc() {
        return !subnetIds.isEmpty();
    }

    public boolean direct() {
        return "direct".equals(writeMode);
    }

    private static String string(Object value, String fallback) {
        return value == null ? fallback : value.toString();
    }

    private static boolean bool(Object value, boolean fallback) {
        return value == null ? fallback : Boolean.parseBoolean(value.toString());
    }

    private static double number(Object value, double fallback) {
        return value == null ? fallback : Double.parseDouble(value.toString());
    }

    private static List<String> list(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> items) {
            return items.stream().map(Object::toString).toList();
        }
        return Arrays.stream(value.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}

package dev.sluice.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The synthesized stack: what it deploys, what it allows, what it watches, and the budget it keeps. */
class SluiceStackTest {

    private static Path artifact;
    private static Template template;
    private static SluiceStack stack;

    /** A stand-in deployment package: synthesis only hashes it. */
    @BeforeAll
    static void synthesize() throws IOException {
        Assumptions.assumeTrue(nodeInstalled(), "Node.js is not installed: the CDK's Java bindings need it, "
                + "the infrastructure tests are skipped");
        artifact = Files.createTempFile("function", ".zip");
        try (OutputStream out = Files.newOutputStream(artifact); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("bootstrap"));
            zip.write("#!/bin/sh\n".getBytes());
            zip.closeEntry();
        }
        stack = stack(Map.of());
        template = Template.fromStack(stack);
    }

    private static boolean nodeInstalled() {
        try {
            return new ProcessBuilder("node", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static SluiceStack stack(Map<String, Object> context) {
        Map<String, Object> all = new HashMap<>(context);
        all.put("artifact", artifact.toString());
        App app = new App(AppProps.builder().context(all).build());
        return new SluiceStack(app, "sluice-test", StackProps.builder().build(), SluiceSettings.from(app.getNode()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> props(Map<String, Object> resource) {
        return (Map<String, Object>) resource.get("Properties");
    }

    /** The function's logical id with this role. */
    private static String functionOf(Template t, String role) {
        for (Map.Entry<String, Map<String, Object>> f : t.findResources("AWS::Lambda::Function").entrySet()) {
            if (role.equals(env(f.getValue()).get("SLUICE_ROLE"))) {
                return f.getKey();
            }
        }
        throw new AssertionError("no function of role " + role);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> env(Map<String, Object> function) {
        return (Map<String, Object>) ((Map<String, Object>) props(function).get("Environment")).get("Variables");
    }

    private static Map<String, Object> function(Template t, String role) {
        return t.findResources("AWS::Lambda::Function").get(functionOf(t, role));
    }

    @Test
    void explicitRoutesToTheirFunctionsAndNoneToInternal() {
        Map<String, Map<String, Object>> routes = template.findResources("AWS::ApiGatewayV2::Route");
        Set<String> keys = routes.values().stream().map(r -> (String) props(r).get("RouteKey"))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> expected = new TreeSet<>();
        SluiceStack.INGEST_ROUTES.forEach(p -> expected.add("POST " + p));
        SluiceStack.STATS_ROUTES.forEach(p -> expected.add("GET " + p));
        assertEquals(expected, keys);
        assertTrue(keys.stream().noneMatch(k -> k.contains("/internal") || k.contains("$default")
                || k.contains("{proxy+}") || k.startsWith("ANY")), keys.toString());

        // each route's integration invokes the live alias of the function of its role
        Map<String, Map<String, Object>> integrations = template.findResources("AWS::ApiGatewayV2::Integration");
        Map<String, Map<String, Object>> aliases = template.findResources("AWS::Lambda::Alias");
        for (Map<String, Object> route : routes.values()) {
            String key = (String) props(route).get("RouteKey");
            String integration = ref(((List<?>) ((Map<?, ?>) props(route).get("Target")).get("Fn::Join")));
            String alias = (String) ((Map<?, ?>) props(integrations.get(integration)).get("IntegrationUri"))
                    .get("Ref");
            String function = (String) ((Map<?, ?>) props(aliases.get(alias)).get("FunctionName")).get("Ref");
            String role = key.startsWith("POST") ? "ingest" : "stats";
            assertEquals(functionOf(template, role), function, key);
        }
    }

    /** The logical id referenced in {@code Fn::Join ["", ["integrations/", {"Ref": id}]]}. */
    private static String ref(List<?> join) {
        for (Object part : (List<?>) join.get(1)) {
            if (part instanceof Map<?, ?> m && m.containsKey("Ref")) {
                return (String) m.get("Ref");
            }
        }
        throw new AssertionError("no Ref in " + join);
    }

    @Test
    void stageThrottlesAndLogsAccess() {
        template.hasResourceProperties("AWS::ApiGatewayV2::Stage", Match.objectLike(Map.of(
                "StageName", "$default", "AutoDeploy", true,
                "DefaultRouteSettings", Map.of("ThrottlingRateLimit", 100, "ThrottlingBurstLimit", 200),
                "AccessLogSettings", Match.objectLike(Map.of("Format", Match.stringLikeRegexp(".*requestId.*"))))));
        Template cors = Template.fromStack(stack(Map.of("allowedOrigins", "https://app.example.com")));
        cors.hasResourceProperties("AWS::ApiGatewayV2::Api", Match.objectLike(Map.of("CorsConfiguration",
                Match.objectLike(Map.of("AllowOrigins", List.of("https://app.example.com"))))));
    }

    @Test
    void queueAndDeadLetterQueue() {
        Map<String, Map<String, Object>> queues = template.findResources("AWS::SQS::Queue");
        assertEquals(2, queues.size());
        for (Map<String, Object> q : queues.values()) {
            assertEquals(1209600, props(q).get("MessageRetentionPeriod"), "14 days");
            assertEquals(true, props(q).get("SqsManagedSseEnabled"));
        }
        template.hasResourceProperties("AWS::SQS::Queue", Match.objectLike(Map.of("VisibilityTimeout", 180,
                "RedrivePolicy", Match.objectLike(Map.of("maxReceiveCount", 5)))));
    }

    @Test
    void theFlushRunsEvery30SecondsOneAtATime() {
        template.hasResourceProperties("AWS::Events::Rule", Match.objectLike(Map.of(
                "ScheduleExpression", "rate(1 minute)")));
        Map<String, Map<String, Object>> machines = template.findResources("AWS::StepFunctions::StateMachine");
        assertEquals(1, machines.size());
        Map<String, Object> machine = props(machines.values().iterator().next());
        assertEquals("EXPRESS", machine.get("StateMachineType"));
        String definition = machine.get("DefinitionString").toString();
        assertTrue(definition.contains("\"Type\":\"Wait\",\"Seconds\":30"), definition);
        assertEquals(2, occurrences(definition, ":states:::lambda:invoke"),
                "two flush invocations a minute: " + definition);
        assertTrue(definition.contains("/internal/flush"));

        assertEquals(1, props(function(template, "flush")).get("ReservedConcurrentExecutions"));
        assertEquals(10, props(function(template, "stats")).get("ReservedConcurrentExecutions"));
        // ingest too: each of its environments holds a Redis connection (RedisConnectionBudget)
        assertEquals(15, props(function(template, "ingest")).get("ReservedConcurrentExecutions"));
        assertEquals("off", env(function(template, "flush")).get("SLUICE_FLUSH_EVERY"));
    }

    private static int occurrences(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    @Test
    void eachRoleMayDoOnlyItsWork() {
        Map<String, Map<String, Object>> policies = template.findResources("AWS::IAM::Policy");
        Map<String, Set<String>> actionsByRole = new HashMap<>();
        for (Map<String, Object> policy : policies.values()) {
            Map<String, Object> p = props(policy);
            for (Object statement : (List<?>) ((Map<?, ?>) p.get("PolicyDocument")).get("Statement")) {
                Map<?, ?> s = (Map<?, ?>) statement;
                Object resource = s.get("Resource");
                assertFalse("*".equals(resource) || (resource instanceof List<?> l && l.contains("*")),
                        "no * resource: " + s);
                for (Object role : (List<?>) p.get("Roles")) {
                    String roleId = (String) ((Map<?, ?>) role).get("Ref");
                    Object action = s.get("Action");
                    List<?> actions = action instanceof List<?> l ? l : List.of(action);
                    actions.forEach(a -> actionsByRole.computeIfAbsent(roleId, k -> new TreeSet<>())
                            .add(a.toString()));
                }
            }
        }
        assertEquals(Set.of("logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage",
                "sqs:GetQueueAttributes"), actionsByRole.get(roleOf("ingest")));
        assertEquals(Set.of("logs:CreateLogStream", "logs:PutLogEvents"), actionsByRole.get(roleOf("stats")));
        assertEquals(Set.of("logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage", "sqs:ReceiveMessage",
                "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"),
                actionsByRole.get(roleOf("flush")));
        for (String role : List.of("ingest", "stats", "flush")) {
            Map<String, Object> r = template.findResources("AWS::IAM::Role").get(roleOf(role));
            assertFalse(props(r).containsKey("ManagedPolicyArns"), role + " has no managed policy");
        }
    }

    private static String roleOf(String role) {
        Map<?, ?> arn = (Map<?, ?>) props(function(template, role)).get("Role");
        return (String) ((List<?>) arn.get("Fn::GetAtt")).get(0);
    }

    @Test
    void mongoSecretIsAReferenceAndIngestHasNoMongoSettings() {
        String reference = "{{resolve:secretsmanager:sluice/mongodb:SecretString:uri::}}";
        assertEquals(reference, env(function(template, "stats")).get("MONGODB_URI"));
        assertEquals(reference, env(function(template, "flush")).get("MONGODB_URI"));
        assertTrue(env(function(template, "ingest")).keySet().stream().noneMatch(k -> k.contains("MONGO")),
                env(function(template, "ingest")).toString());
        template.hasParameter("RedisUrl", Match.objectLike(Map.of("NoEcho", true)));
        assertEquals("{{resolve:secretsmanager:sluice/auth:SecretString:writeKeys::}}",
                env(function(template, "ingest")).get("SLUICE_AUTH_WRITE_KEYS"));
        String adminKey = "{{resolve:secretsmanager:sluice/auth:SecretString:adminKey::}}";
        assertEquals(adminKey, env(function(template, "flush")).get("SLUICE_AUTH_ADMIN_KEYS"));
        assertFalse(env(function(template, "stats")).containsKey("SLUICE_AUTH_ADMIN_KEYS"));
        assertEquals("{{resolve:secretsmanager:sluice/auth:SecretString:serviceKeys::}}",
                env(function(template, "stats")).get("SLUICE_AUTH_SERVICE_KEYS"));
        Template jwt = Template.fromStack(stack(Map.of("jwtPublicKeyLocation",
                "https://app.example.com/.well-known/jwks.json", "jwtIssuer", "https://app.example.com")));
        assertEquals("https://app.example.com/.well-known/jwks.json",
                env(function(jwt, "stats")).get("MP_JWT_VERIFY_PUBLICKEY_LOCATION"));
        assertEquals("https://app.example.com", env(function(jwt, "stats")).get("MP_JWT_VERIFY_ISSUER"));
        String definition = props(template.findResources("AWS::StepFunctions::StateMachine").values().iterator()
                .next()).get("DefinitionString").toString();
        assertTrue(definition.contains("Bearer " + adminKey), "the schedule authenticates with the admin key");
    }

    @Test
    void nativeByDefaultJvmWithSnapStartOnRequest() {
        assertEquals("provided.al2023", props(function(template, "stats")).get("Runtime"));
        Template jvm = Template.fromStack(stack(Map.of("native", "false")));
        Map<String, Object> stats = function(jvm, "stats");
        assertEquals("java21", props(stats).get("Runtime"));
        assertEquals(SluiceStack.JVM_HANDLER, props(stats).get("Handler"));
        assertEquals(Map.of("ApplyOn", "PublishedVersions"), props(stats).get("SnapStart"));
    }

    @Test
    void everyAlarmWithItsThreshold() {
        Map<String, Object[]> expected = new HashMap<>();
        expected.put("MongoConnectionsWarning", new Object[] {90, "GreaterThanThreshold"});
        expected.put("MongoConnectionsCritical", new Object[] {120, "GreaterThanThreshold"});
        expected.put("MongoPoolWarning", new Object[] {0.6, "GreaterThanThreshold"});
        expected.put("MongoPoolCritical", new Object[] {0.8, "GreaterThanThreshold"});
        expected.put("FlushFailures", new Object[] {1, "GreaterThanOrEqualToThreshold"});
        expected.put("DeadLettersNotEmpty", new Object[] {0, "GreaterThanThreshold"});
        expected.put("FlushFallingBehind", new Object[] {120, "GreaterThanThreshold"});
        expected.put("CacheHitRatioLow", new Object[] {0.8, "LessThanThreshold"});
        Map<String, Map<String, Object>> alarms = template.findResources("AWS::CloudWatch::Alarm");
        assertEquals(expected.size(), alarms.size());
        for (Map<String, Object> alarm : alarms.values()) {
            Map<String, Object> p = props(alarm);
            String name = p.get("AlarmName").toString();
            String id = name.substring(name.lastIndexOf('-') + 1);
            Object[] want = expected.get(id);
            assertTrue(want != null, "unexpected alarm " + name);
            assertEquals(((Number) want[0]).doubleValue(), ((Number) p.get("Threshold")).doubleValue(), name);
            assertEquals(want[1], p.get("ComparisonOperator"), name);
            assertEquals(1, ((List<?>) p.get("AlarmActions")).size(), name + " notifies the topic");
        }
        template.resourceCountIs("AWS::SNS::Topic", 1);
        template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    }

    /** The thresholds are the application's: the Prometheus rules rendered from sluice.alarms.* carry them. */
    @Test
    void alarmThresholdsAreTheApplicationsOnes() throws IOException {
        String rules = Files.readString(Path.of("prometheus", "sluice-alerts.yml"));
        SluiceSettings s = stack.settings();
        assertTrue(rules.contains("sum(sluice_mongo_connections) > "
                + Math.round(s.connectionBudget() * s.poolWarning())));
        assertTrue(rules.contains("sum(sluice_mongo_connections) > "
                + Math.round(s.connectionBudget() * s.poolCritical())));
        assertTrue(rules.contains("sluice_flush_failures_total[" + s.flushFailureWindowMinutes() + "m])) >= "
                + s.flushFailures()));
        assertTrue(rules.contains("max(sluice_flush_lag_seconds) > " + s.oldestMessageAgeSeconds()));
        assertTrue(rules.contains("[1h])) < " + s.cacheHitRatio()));
        assertEquals(60, s.cacheHitRatioWindowMinutes());
    }

    @Test
    void theConnectionBudgetIsAnOutputAndHolds() {
        template.hasOutput("MongoConnectionBudget", Match.objectLike(Map.of(
                "Value", "55 of 150 (ingest 0, stats 50, flush 5)")));
        assertEquals(55, stack.budget().total());
        // every environment holds one Redis connection: ingest 15, stats 10, flush 1
        template.hasOutput("RedisConnectionBudget", Match.objectLike(Map.of(
                "Value", "26 of 30 (ingest 15, stats 10, flush 1)")));
        for (String role : List.of("ingest", "stats", "flush")) {
            assertEquals(ConnectionBudget.concurrency(stack.settings(), role),
                    props(function(template, role)).get("ReservedConcurrentExecutions"), role);
        }
    }

    @Test
    void synthesisIsRefusedAboveTheBudget() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> stack(Map.of("statsConcurrency", 40)));
        assertTrue(e.getMessage().contains("205"), e.getMessage());
        // the rollback to direct writes puts ingest in the budget: refused at 20 environments, fine at 10
        assertThrows(IllegalArgumentException.class,
                () -> stack(Map.of("writeMode", "direct", "ingestConcurrency", 20)));
        // Redis: every environment holds a connection, 20 ingest environments are over Redis Cloud's free 30
        IllegalArgumentException redis = assertThrows(IllegalArgumentException.class,
                () -> stack(Map.of("ingestConcurrency", 20)));
        assertTrue(redis.getMessage().startsWith("Redis connection budget exceeded"), redis.getMessage());
        assertEquals(31, ConnectionBudget.redis(stack(Map.of("ingestConcurrency", 20, "redisConnectionBudget", 31))
                .settings()).total());
        Template direct = Template.fromStack(stack(Map.of("writeMode", "direct", "ingestConcurrency", 10)));
        assertEquals(10, props(function(direct, "ingest")).get("ReservedConcurrentExecutions"));
        assertTrue(env(function(direct, "ingest")).containsKey("MONGODB_URI"));
        assertEquals("direct", env(function(direct, "ingest")).get("SLUICE_WRITE_MODE"));
        assertEquals("queue", env(function(direct, "flush")).get("SLUICE_WRITE_MODE"),
                "the flush still drains what was queued before the switch");
        assertThrows(IllegalArgumentException.class, () -> stack(Map.of("writeMode", "memory")));
    }

    @Test
    void optionallyInAVpcWithTheOneUnscopableEc2Action() {
        Template vpc = Template.fromStack(stack(Map.of("subnetIds", "subnet-1,subnet-2",
                "securityGroupIds", "sg-1")));
        for (String role : List.of("ingest", "stats", "flush")) {
            assertEquals(Map.of("SubnetIds", List.of("subnet-1", "subnet-2"), "SecurityGroupIds", List.of("sg-1")),
                    props(function(vpc, role)).get("VpcConfig"), role);
        }
        for (Map<String, Object> policy : vpc.findResources("AWS::IAM::Policy").values()) {
            for (Object statement : (List<?>) ((Map<?, ?>) props(policy).get("PolicyDocument")).get("Statement")) {
                Map<?, ?> st = (Map<?, ?>) statement;
                if ("*".equals(st.get("Resource"))) {
                    assertEquals("ec2:DescribeNetworkInterfaces", st.get("Action"));
                }
            }
        }
        assertFalse(props(function(template, "stats")).containsKey("VpcConfig"));
        assertThrows(IllegalArgumentException.class, () -> stack(Map.of("subnetIds", "subnet-1")));
    }

    @Test
    void noUnexpectedResourceTypes() {
        List<String> types = new ArrayList<>();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> resources = (Map<String, Map<String, Object>>) template.toJSON()
                .get("Resources");
        resources.values().forEach(r -> types.add((String) r.get("Type")));
        assertFalse(types.contains("AWS::EC2::VPC"), "no VPC is created");
        assertEquals(3, types.stream().filter("AWS::Lambda::Function"::equals).count(), types.toString());
    }
}

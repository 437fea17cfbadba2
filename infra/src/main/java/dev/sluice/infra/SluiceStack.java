package dev.sluice.infra;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.SecretValue;
import software.amazon.awscdk.SecretsManagerSecretOptions;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.CfnStage;
import software.amazon.awscdk.services.apigatewayv2.CorsHttpMethod;
import software.amazon.awscdk.services.apigatewayv2.CorsPreflightOptions;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.SfnStateMachine;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.CfnFunction;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;

import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.amazon.awscdk.services.stepfunctions.CatchProps;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.JsonPath;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.StateMachineType;
import software.amazon.awscdk.services.stepfunctions.TaskInput;
import software.amazon.awscdk.services.stepfunctions.Wait;
import software.amazon.awscdk.services.stepfunctions.WaitTime;
import software.amazon.awscdk.services.stepfunctions.tasks.LambdaInvoke;
import software.constructs.Construct;

/**
 * Sluice on AWS: an HTTP API in front of the ingest and stats functions, the queue and its dead-letter queue, the
 * flush function every 30 seconds, the alarms and the dashboard. The three functions are the one artifact the root
 * project builds, told apart by {@code SLUICE_ROLE}.
 */
public class SluiceStack extends Stack {

    /** One flush at a time: the fold and the queue drain assume it. */
    public static final int FLUSH_CONCURRENCY = 1;
    /** The ingest routes: AI usage, the Segment HTTP Tracking API, and the web app's old analytics route. */
    static final List<String> INGEST_ROUTES = List.of("/api/ai/usage", "/v1/track", "/v1/identify", "/v1/page",
            "/v1/screen", "/v1/group", "/v1/alias", "/v1/batch", "/api/analytics/track");
    static final List<String> STATS_ROUTES = List.of("/api/user-stats", "/api/user/stats", "/api/platform-stats");
    static final String JVM_HANDLER = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest";

    private final SluiceSettings settings;
    private final ConnectionBudget budget;
    private final ConnectionBudget redisBudget;
    private final Function ingest;
    private final Function stats;
    private final Function flush;
    private final Queue queue;
    private final Queue deadLetters;
    /** A dynamic reference to the admin key: the flush function checks it, the schedule sends it. */
    private final String adminKey;

    public SluiceStack(Construct scope, String id, StackProps props, SluiceSettings s) {
        super(scope, id, props);
        if (s.inVpc() == s.securityGroupIds().isEmpty()) {
            throw new IllegalArgumentException("subnetIds and securityGroupIds go together");
        }
        if (!"queue".equals(s.writeMode()) && !s.direct()) {
            throw new IllegalArgumentException("writeMode must be queue or direct on Lambda (an in-memory buffer "
                    + "dies with its environment): " + s.writeMode());
        }
        settings = s;
        budget = ConnectionBudget.mongo(s).check();
        redisBudget = ConnectionBudget.redis(s).check();

        deadLetters = Queue.Builder.create(this, "DeadLetters").encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true).retentionPeriod(Duration.days(14)).build();
        queue = Queue.Builder.create(this, "Events").encryption(QueueEncryption.SQS_MANAGED).enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                // above the flush's own visibility timeout (60 s) and its function timeout
                .visibilityTimeout(Duration.seconds(180))
                .deadLetterQueue(DeadLetterQueue.builder().queue(deadLetters).maxReceiveCount(5).build()).build();

        CfnParameter redisUrl = CfnParameter.Builder.create(this, "RedisUrl").type("String").noEcho(true)
                .description("Redis for the stats cache and the loss-check ledger, e.g. rediss://user:pw@host:6379 "
                        + "(ElastiCache Serverless or an external Redis)")
                .build();
        String mongoUri = secret(s.mongoSecret(), "uri");
        String writeKeys = secret(s.authSecret(), "writeKeys");
        adminKey = secret(s.authSecret(), "adminKey");

        Map<String, String> common = new LinkedHashMap<>();
        common.put("SLUICE_QUEUE_URL", queue.getQueueUrl());
        common.put("SLUICE_QUEUE_DLQ_URL", deadLetters.getQueueUrl());
        common.put("REDIS_URL", redisUrl.getValueAsString());
        common.put("SLUICE_FLUSH_EVERY", "off"); // the schedule below flushes
        common.put("SLUICE_MEMORY_EVERY", "off");
        common.put("SLUICE_METRICS_SERVICE", getStackName());
        Map<String, String> mongo = new LinkedHashMap<>();
        mongo.put("MONGODB_URI", mongoUri); // a dynamic reference: resolved by CloudFormation, not in the template
        mongo.put("SLUICE_MONGO_MAX_POOL_SIZE", Integer.toString(s.mongoPoolSize()));

        // the write mode is ingest's; the flush always drains the queue (what is left in it after a switch to direct
        // writes) and folds (also what ingest wrote directly)
        Map<String, String> ingestEnv = merge(common, Map.of("SLUICE_WRITE_MODE", s.writeMode(),
                "SLUICE_AUTH_WRITE_KEYS", writeKeys));
        ingest = function("Ingest", "ingest", s, s.ingestMemory(), Duration.seconds(10),
                s.ingestConcurrency(), s.direct() ? merge(ingestEnv, mongo) : ingestEnv);
        Map<String, String> statsAuth = new LinkedHashMap<>();
        statsAuth.put("SLUICE_AUTH_SERVICE_KEYS", secret(s.authSecret(), "serviceKeys"));
        if (s.jwtPublicKeyLocation() != null) {
            statsAuth.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", s.jwtPublicKeyLocation());
        }
        if (s.jwtIssuer() != null) {
            statsAuth.put("MP_JWT_VERIFY_ISSUER", s.jwtIssuer());
        }
        stats = function("Stats", "stats", s, s.statsMemory(), Duration.seconds(10), s.statsConcurrency(),
                merge(merge(common, mongo), statsAuth));
        flush = function("Flush", "flush", s, s.flushMemory(), Duration.seconds(90), FLUSH_CONCURRENCY,
                merge(merge(common, mongo),
                        Map.of("SLUICE_WRITE_MODE", "queue", "SLUICE_AUTH_ADMIN_KEYS", adminKey)));

        // ingest sends; the flush receives, deletes, hides and dead-letters, and replays or reads dead letters
        ingest.addToRolePolicy(allow(List.of("sqs:SendMessage", "sqs:GetQueueAttributes"), queue.getQueueArn()));
        flush.addToRolePolicy(allow(List.of("sqs:ReceiveMessage", "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:SendMessage"), queue.getQueueArn()));
        flush.addToRolePolicy(allow(List.of("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"), deadLetters.getQueueArn()));

        HttpApi api = api(s);
        flushEvery30Seconds();
        new SluiceAlarms(this, "Alarms", s, getStackName(), stats, flush, queue, deadLetters);

        CfnOutput.Builder.create(this, "ApiUrl").value(api.getApiEndpoint()).build();
        CfnOutput.Builder.create(this, "QueueUrl").value(queue.getQueueUrl()).build();
        CfnOutput.Builder.create(this, "DeadLetterQueueUrl").value(deadLetters.getQueueUrl()).build();
        CfnOutput.Builder.create(this, "FlushFunction").value(flush.getFunctionName()).build();
        CfnOutput.Builder.create(this, "MongoConnectionBudget")
                .description("MongoDB connections this deployment can open, by role, and its budget")
                .value(budget.summary()).build();
        CfnOutput.Builder.create(this, "RedisConnectionBudget")
                .description("Redis connections this deployment can open, by role, and its budget")
                .value(redisBudget.summary()).build();
    }

    private Function function(String id, String role, SluiceSettings s, int memory, Duration timeout,
            int reservedConcurrency, Map<String, String> environment) {
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put("SLUICE_ROLE", role);
        LogGroup logs = LogGroup.Builder.create(this, id + "Logs").retention(RetentionDays.ONE_MONTH)
                .removalPolicy(RemovalPolicy.DESTROY).build();
        // no managed policy (AWSLambdaBasicExecutionRole grants logs on "*"): the function writes its own log group
        Role executionRole = Role.Builder.create(this, id + "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com")).build();
        Function.Builder builder = Function.Builder.create(this, id)
                .description("Sluice " + role)
                .code(Code.fromAsset(s.artifact()))
                .architecture(Architecture.X86_64)
                .memorySize(memory)
                .timeout(timeout)
                .role(executionRole)
                .logGroup(logs)
                .environment(env);
        if (s.nativeBuild()) {
            builder.runtime(Runtime.PROVIDED_AL2023).handler("native.executable");
        } else {
            builder.runtime(Runtime.JAVA_21).handler(JVM_HANDLER).snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS);
        }
        // every environment holds connections (Redis in each role; MongoDB in most): the budgets count on these
        builder.reservedConcurrentExecutions(reservedConcurrency);
        Function function = builder.build();
        if (!s.nativeBuild()) {
            // callers reach a published version through the live alias, which is what SnapStart restores
            Annotations.of(function).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                    "invoked through the live alias of the published version");
        }
        executionRole.addToPolicy(allow(List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                logs.getLogGroupArn()));
        if (s.inVpc()) {
            inVpc(function, executionRole, s);
        }
        return function;
    }

    /**
     * Runs a function in the given subnets. Lambda's network interfaces take EC2 permissions; those that can be
     * scoped are scoped to the subnets, security groups and this account's interfaces, but
     * {@code ec2:DescribeNetworkInterfaces} supports no resource and needs {@code *}: the one such statement, and only
     * with a VPC.
     */
    private void inVpc(Function function, Role role, SluiceSettings s) {
        ((CfnFunction) function.getNode().getDefaultChild()).setVpcConfig(CfnFunction.VpcConfigProperty.builder()
                .subnetIds(s.subnetIds()).securityGroupIds(s.securityGroupIds()).build());
        List<String> resources = new ArrayList<>();
        resources.add("arn:" + getPartition() + ":ec2:" + getRegion() + ":" + getAccount() + ":network-interface/*");
        s.subnetIds().forEach(id -> resources.add("arn:" + getPartition() + ":ec2:" + getRegion() + ":"
                + getAccount() + ":subnet/" + id));
        s.securityGroupIds().forEach(id -> resources.add("arn:" + getPartition() + ":ec2:" + getRegion() + ":"
                + getAccount() + ":security-group/" + id));
        role.addToPolicy(PolicyStatement.Builder.create().actions(List.of("ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"))
                .resources(resources).build());
        role.addToPolicy(PolicyStatement.Builder.create().actions(List.of("ec2:DescribeNetworkInterfaces"))
                .resources(List.of("*")).build());
    }

    /** What callers reach: the published version of a function (SnapStart restores from it). */
    private Alias live(Function function) {
        return Alias.Builder.create(this, function.getNode().getId() + "Live").aliasName("live")
                .version(function.getCurrentVersion()).build();
    }

    private HttpApi api(SluiceSettings s) {
        HttpApi.Builder builder = HttpApi.Builder.create(this, "Api").apiName(getStackName())
                .createDefaultStage(false);
        if (!s.allowedOrigins().isEmpty()) {
            builder.corsPreflight(CorsPreflightOptions.builder().allowOrigins(s.allowedOrigins())
                    .allowMethods(List.of(CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS))
                    .allowHeaders(List.of("Content-Type", "Authorization")).maxAge(Duration.hours(1)).build());
        }
        HttpApi api = builder.build();
        HttpLambdaIntegration toIngest = new HttpLambdaIntegration("IngestIntegration", live(ingest));
        HttpLambdaIntegration toStats = new HttpLambdaIntegration("StatsIntegration", live(stats));
        for (String path : INGEST_ROUTES) {
            api.addRoutes(AddRoutesOptions.builder().path(path).methods(List.of(HttpMethod.POST))
                    .integration(toIngest).build());
        }
        for (String path : STATS_ROUTES) {
            api.addRoutes(AddRoutesOptions.builder().path(path).methods(List.of(HttpMethod.GET))
                    .integration(toStats).build());
        }
        LogGroup accessLogs = LogGroup.Builder.create(this, "ApiAccessLogs").retention(RetentionDays.ONE_MONTH)
                .removalPolicy(RemovalPolicy.DESTROY).build();
        CfnStage.Builder.create(this, "ApiStage").apiId(api.getApiId()).stageName("$default").autoDeploy(true)
                .defaultRouteSettings(CfnStage.RouteSettingsProperty.builder()
                        .throttlingRateLimit(s.throttleRate()).throttlingBurstLimit(s.throttleBurst()).build())
                .accessLogSettings(CfnStage.AccessLogSettingsProperty.builder()
                        .destinationArn(accessLogs.getLogGroupArn())
                        .format("{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\","
                                + "\"time\":\"$context.requestTime\",\"route\":\"$context.routeKey\","
                                + "\"status\":\"$context.status\",\"latency\":\"$context.responseLatency\","
                                + "\"integrationError\":\"$context.integrationErrorMessage\"}")
                        .build())
                .build();
        return api;
    }

    /**
     * EventBridge schedules fire at most once a minute. Each minute starts a Step Functions Express execution that
     * flushes, waits 30 seconds and flushes again: a 30 s cadence. A flush that fails still lets the second one run.
     */
    private void flushEvery30Seconds() {
        Alias target = live(flush);
        LambdaInvoke first = flushTask("FlushNow", target);
        Wait wait = Wait.Builder.create(this, "Wait30Seconds").time(WaitTime.duration(Duration.seconds(30))).build();
        first.addCatch(wait, CatchProps.builder().resultPath(JsonPath.DISCARD).build());
        StateMachine loop = StateMachine.Builder.create(this, "FlushEvery30Seconds")
                .stateMachineType(StateMachineType.EXPRESS)
                .definitionBody(DefinitionBody.fromChainable(first.next(wait).next(flushTask("FlushAgain", target))))
                .timeout(Duration.seconds(55))
                .build();
        Rule.Builder.create(this, "EveryMinute").schedule(Schedule.rate(Duration.minutes(1)))
                .targets(List.of(new SfnStateMachine(loop))).build();
    }

    /** The flush function is the HTTP artifact: it is invoked with an API Gateway event for its internal route. */
    private LambdaInvoke flushTask(String id, Alias target) {
        Map<String, Object> http = new HashMap<>();
        http.put("method", "POST");
        http.put("path", "/internal/flush");
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("version", "2.0");
        event.put("routeKey", "$default");
        event.put("rawPath", "/internal/flush");
        event.put("rawQueryString", "");
        event.put("headers", Map.of("authorization", "Bearer " + adminKey));
        event.put("requestContext", Map.of("http", http));
        event.put("isBase64Encoded", false);
        return LambdaInvoke.Builder.create(this, id).lambdaFunction(target).payload(TaskInput.fromObject(event))
                .resultPath(JsonPath.DISCARD).retryOnServiceExceptions(true).build();
    }

    /** A CloudFormation dynamic reference to a JSON field of a secret: resolved at deploy, never in the template. */
    private static String secret(String secret, String field) {
        return SecretValue.secretsManager(secret, SecretsManagerSecretOptions.builder().jsonField(field).build())
                .unsafeUnwrap();
    }

    private static PolicyStatement allow(List<String> actions, String resource) {
        return PolicyStatement.Builder.create().actions(actions).resources(List.of(resource)).build();
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> all = new LinkedHashMap<>(a);
        all.putAll(b);
        return all;
    }

    public SluiceSettings settings() {
        return settings;
    }

    public ConnectionBudget budget() {
        return budget;
    }

    public ConnectionBudget redisBudget() {
        return redisBudget;
    }
}

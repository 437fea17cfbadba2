package dev.sluice.packaged;

import java.util.Map;

/**
 * {@link RoleConnectionsScenario} for the deployment package, {@code target/function.zip}, run as AWS's Java runtime
 * runs it ({@link FunctionProcess}: the AWS Lambda Runtime Interface Client), its role in {@code SLUICE_ROLE} as the
 * stack sets it, {@code AWS_LAMBDA_FUNCTION_NAME} set.
 */
class FunctionConnectionsIT extends RoleConnectionsScenario {

    @Override
    String artifact() {
        return "lambda";
    }

    /** One connection: on Lambda the artifact's Redis pool holds one ({@code LambdaDefaults}). */
    @Override
    int redisPool() {
        return 1;
    }

    @Override
    Instance start(String role, Map<String, String> config) {
        FunctionProcess function = new FunctionProcess("connections-" + role, config,
                Map.of("SLUICE_ROLE", role, "AWS_LAMBDA_FUNCTION_NAME", "sluice-" + role));
        function.start();
        return Instance.of(function.gatewayPort(), function.gatewayPort(), function::close);
    }
}

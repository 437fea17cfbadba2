package dev.sluice.observe;

import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Defaults for running on AWS Lambda, where {@code AWS_LAMBDA_FUNCTION_NAME} is set: JSON logs, one EMF metrics
 * line per invocation, and a Redis pool of one connection (an environment serves one invocation at a time, whose
 * Redis commands follow each other; the infrastructure's Redis budget counts one connection per environment). They
 * rank above {@code application.properties} and below environment variables and system properties, so a deployment
 * can still turn either off ({@code SLUICE_METRICS_EMF=false}).
 */
public class LambdaDefaults implements ConfigSource {

    static final int ORDINAL = 275;

    private static final Map<String, String> ON_LAMBDA = Map.of("sluice.metrics.emf", "true",
            "quarkus.log.console.json.enabled", "true", "quarkus.redis.max-pool-size", "1");

    private final BooleanSupplier onLambda;

    public LambdaDefaults() {
        // read when asked, not when built: a native image may create this source at build time
        this(() -> System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null);
    }

    LambdaDefaults(boolean onLambda) {
        this(() -> onLambda);
    }

    private LambdaDefaults(BooleanSupplier onLambda) {
        this.onLambda = onLambda;
    }

    private Map<String, String> properties() {
        return onLambda.getAsBoolean() ? ON_LAMBDA : Map.of();
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties().keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties().get(propertyName);
    }

    @Override
    public String getName() {
        return "sluice-lambda-defaults";
    }

    @Override
    public int getOrdinal() {
        return ORDINAL;
    }
}

package dev.sluice.observe;

import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Defaults for running on AWS Lambda, where {@code AWS_LAMBDA_FUNCTION_NAME} is set: JSON logs and one EMF metrics
 * line per invocation. They rank above {@code application.properties} and below environment variables and system
 * properties, so a deployment can still turn either off ({@code SLUICE_METRICS_EMF=false}).
 */
public class LambdaDefaults implements ConfigSource {

    static final int ORDINAL = 275;

    private final Map<String, String> properties;

    public LambdaDefaults() {
        this(System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null);
    }

    LambdaDefaults(boolean onLambda) {
        this.properties = onLambda
                ? Map.of("sluice.metrics.emf", "true", "quarkus.log.console.json.enabled", "true")
                : Map.of();
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
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

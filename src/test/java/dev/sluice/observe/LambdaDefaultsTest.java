package dev.sluice.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** On Lambda, EMF and JSON logs are on unless the deployment says otherwise; elsewhere nothing changes. */
class LambdaDefaultsTest {

    private static SmallRyeConfig config(boolean onLambda, Map<String, String> environment) {
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(Map.of("sluice.metrics.emf", "false",
                        "quarkus.log.console.json.enabled", "false"), "application.properties", 250))
                .withSources(new LambdaDefaults(onLambda))
                .withSources(new PropertiesConfigSource(environment, "environment", 300))
                .build();
    }

    @Test
    void onLambdaEmfAndJsonLogsAreOn() {
        SmallRyeConfig config = config(true, Map.of());
        assertEquals("true", config.getRawValue("sluice.metrics.emf"));
        assertEquals("true", config.getRawValue("quarkus.log.console.json.enabled"));
        assertEquals("1", config.getRawValue("quarkus.redis.max-pool-size"));
    }

    @Test
    void theEnvironmentStillWins() {
        assertEquals("false", config(true, Map.of("sluice.metrics.emf", "false")).getRawValue("sluice.metrics.emf"));
    }

    @Test
    void elsewhereTheApplicationPropertiesHold() {
        SmallRyeConfig config = config(false, Map.of());
        assertEquals("false", config.getRawValue("sluice.metrics.emf"));
        assertTrue(new LambdaDefaults(false).getPropertyNames().isEmpty());
        assertNull(new LambdaDefaults(false).getValue("sluice.metrics.emf"));
    }
}

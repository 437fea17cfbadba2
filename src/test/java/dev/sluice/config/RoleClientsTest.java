package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The MongoDB client is active in exactly the roles that use MongoDB, whichever source names the role. */
class RoleClientsTest {

    private static String mongoActive(Map<String, String> environment, Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withInterceptors(new RoleClients())
                .withSources(new PropertiesConfigSource(Map.of("quarkus.mongodb.connection-string",
                        "mongodb://db:27017"), "application.properties", 250))
                .withSources(new EnvConfigSource(environment, 300))
                .withSources(new PropertiesConfigSource(properties, "system", 400))
                .build();
        return config.getOptionalValue("quarkus.mongodb.active", String.class).orElse("true");
    }

    @Test
    void theIngestRoleOfTheQueueModeHasNoMongoClient() {
        assertEquals("false", mongoActive(Map.of("SLUICE_ROLE", "ingest"), Map.of()));
        assertEquals("false", mongoActive(Map.of(), Map.of("sluice.role", "ingest")));
        assertEquals("false", mongoActive(Map.of("SLUICE_ROLE", "ingest", "SLUICE_WRITE_MODE", "queue"), Map.of()));
        // whatever the configuration says
        assertEquals("false", mongoActive(Map.of("SLUICE_ROLE", "ingest", "QUARKUS_MONGODB_ACTIVE", "true"),
                Map.of()));
    }

    @Test
    void everyRoleThatUsesMongoKeepsWhatTheConfigurationSays() {
        assertEquals("true", mongoActive(Map.of(), Map.of()));
        for (String role : new String[] {"all", "stats", "flush"}) {
            assertEquals("true", mongoActive(Map.of("SLUICE_ROLE", role), Map.of()), role);
        }
        // ingest writing straight to MongoDB (the rollback switch) needs its client
        assertEquals("true", mongoActive(Map.of("SLUICE_ROLE", "ingest", "SLUICE_WRITE_MODE", "direct"), Map.of()));
        assertEquals("false", mongoActive(Map.of("SLUICE_ROLE", "stats", "QUARKUS_MONGODB_ACTIVE", "false"),
                Map.of()));
    }
}

package dev.sluice.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The budget's connections per environment against the deployment package itself: the root build runs each role of
 * {@code target/function.zip} under the AWS Lambda Runtime Interface Client, counts its connections at the MongoDB
 * and Redis sockets from before its start to after its stop ({@code dev.sluice.packaged.FunctionConnectionsIT}),
 * and hands the peaks here ({@code -Dsluice.measured-connections}). Measured against one MongoDB host, so the formula
 * is evaluated with one replica-set member and the pool size the measured processes had.
 */
class ConnectionBudgetTest {

    private static Properties measured() throws IOException {
        String file = System.getProperty("sluice.measured-connections");
        Assumptions.assumeTrue(file != null && Files.exists(Path.of(file)),
                "run from the root build (./mvnw verify), which measures the artifact first");
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(file))) {
            p.load(in);
        }
        return p;
    }

    private static int get(Properties p, String key) {
        String value = p.getProperty(key);
        assertTrue(value != null, "measured " + key);
        return Integer.parseInt(value);
    }

    @Test
    void eachRolesConnectionsPerEnvironmentAreWhatTheArtifactHolds() throws IOException {
        Properties p = measured();
        int members = get(p, "members");
        SluiceSettings measuredShape = SluiceSettings.from(Map.<String, Object>of("replicaSetMembers", members,
                "mongoPoolSize", get(p, "mongo-pool"))::get);
        for (String role : ConnectionBudget.ROLES) {
            int mongo = get(p, "lambda." + role + ".mongo");
            int mongoBudgeted = ConnectionBudget.mongoPerEnvironment(measuredShape, role);
            if (mongoBudgeted == 0) {
                assertEquals(0, mongo, role + ": the budget counts no MongoDB connection, the artifact held some");
            } else {
                assertTrue(mongo <= mongoBudgeted, role + ": the artifact held " + mongo
                        + " MongoDB connections, the budget counts " + mongoBudgeted + " per environment");
                assertTrue(mongo >= members, role + ": a client monitors every member, the budget counts it");
            }
            assertEquals(ConnectionBudget.redisPerEnvironment(measuredShape, role), get(p, "lambda." + role + ".redis"),
                    role + ": Redis connections per environment");
        }
    }
}

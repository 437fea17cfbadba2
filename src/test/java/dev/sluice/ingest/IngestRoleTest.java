package dev.sluice.ingest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import dev.sluice.testing.SluiceTestServers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The ingest function (role {@code ingest}) accepts tracking calls and never opens a MongoDB connection: a proxy of
 * this application's own, in front of MongoDB and set up before the application starts, counts every connection it
 * makes, start-up included. (The packaged artifacts are measured the same way per role, as processes:
 * {@code dev.sluice.packaged.RoleConnectionsScenario}.)
 */
@QuarkusTest
@TestProfile(IngestRoleTest.IngestRole.class)
class IngestRoleTest extends PipelineTest {

    public static class IngestRole implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sluice.role", "ingest");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(OwnProxies.class));
        }
    }

    /** Started before the application: MongoDB and Redis reached through proxies that count only its connections. */
    public static class OwnProxies implements QuarkusTestResourceLifecycleManager {
        static SluiceTestServers.Proxied proxies;

        @Override
        public Map<String, String> start() {
            new SluiceTestServers().start();
            proxies = SluiceTestServers.ownProxies();
            return proxies.config();
        }

        @Override
        public void stop() {
            proxies.close();
        }
    }

    @Override
    protected void resetStorage() {
        // the ingest role has no MongoDB to reset
    }

    @Test
    void acceptsEventsWithoutEverConnectingToMongo() throws Exception {
        given().contentType("application/json")
                .body("{\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}")
                .post("/api/ai/usage").then().statusCode(202);
        given().contentType("application/json").body("{\"userId\":\"u\",\"event\":\"e\"}")
                .post("/v1/track").then().statusCode(202);
        assertEquals(2, depth(config.queue().url()));

        // ready with the queue alone; MongoDB and Redis are not this role's, and are not contacted
        operations().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'queue' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'mongodb' }.data.used", equalTo(false))
                .body("checks.find { it.name == 'redis' }.data.used", equalTo(false));
        SluiceTestServers.sqsProxy().down();
        try {
            operations().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'queue' }.status", equalTo("DOWN"));
        } finally {
            SluiceTestServers.sqsProxy().up();
        }

        given().post("/internal/flush").then().statusCode(404);
        given().get("/api/user-stats").then().statusCode(404);
        operations().get("/q/metrics").then().statusCode(200);
        Thread.sleep(500);
        assertEquals(0, OwnProxies.proxies.mongo().acceptedConnections(),
                "no MongoDB connection from the ingest role, from before its start");
    }
}

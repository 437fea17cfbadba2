package dev.sluice.ingest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import dev.sluice.testing.SluiceTestServers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The ingest function (role {@code ingest}) accepts tracking calls and never opens a MongoDB connection: the proxy in
 * front of MongoDB counts every connection made.
 */
@QuarkusTest
@TestProfile(IngestRoleTest.IngestRole.class)
class IngestRoleTest extends PipelineTest {

    public static class IngestRole implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sluice.role", "ingest");
        }
    }

    @Override
    protected void resetStorage() {
        // the ingest role has no MongoDB to reset
    }

    @Test
    void acceptsEventsWithoutEverConnectingToMongo() throws Exception {
        int before = SluiceTestServers.mongoProxy().acceptedConnections();
        given().contentType("application/json")
                .body("{\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}")
                .post("/api/ai/usage").then().statusCode(202);
        given().contentType("application/json").body("{\"userId\":\"u\",\"event\":\"e\"}")
                .post("/v1/track").then().statusCode(202);
        assertEquals(2, depth(config.queue().url()));

        // ready with the queue alone; MongoDB and Redis are not this role's, and are not contacted
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'queue' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'mongodb' }.data.used", equalTo(false))
                .body("checks.find { it.name == 'redis' }.data.used", equalTo(false));
        SluiceTestServers.sqsProxy().down();
        try {
            given().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'queue' }.status", equalTo("DOWN"));
        } finally {
            SluiceTestServers.sqsProxy().up();
        }

        given().post("/internal/flush").then().statusCode(404);
        given().get("/api/user-stats").then().statusCode(404);
        Thread.sleep(500);
        assertEquals(before, SluiceTestServers.mongoProxy().acceptedConnections(),
                "no MongoDB connection from the ingest role");
    }
}

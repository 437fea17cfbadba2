package dev.sluice.sink;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.SluiceTestServers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(DirectModeTest.Direct.class)
class DirectModeTest extends WriteModeContract {

    public static class Direct implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sluice.write-mode", "direct");
        }
    }

    @Override
    void makeStored() {
        assertEquals(0, depth(config.queue().url()), "direct mode never uses the queue");
        flush(); // the 30 s cycle: in direct mode it only folds the stored events into the rollups
    }

    @Test
    void mongoDownIs503() {
        SluiceTestServers.mongoProxy().down();
        try {
            given().contentType("application/json")
                    .body("{\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}")
                    .post("/api/ai/usage").then().statusCode(503);
        } finally {
            SluiceTestServers.mongoProxy().up();
        }
    }
}

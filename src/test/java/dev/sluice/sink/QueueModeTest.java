package dev.sluice.sink;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.SluiceTestServers;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class QueueModeTest extends WriteModeContract {

    @Override
    void makeStored() {
        assertEquals(0, aiUsage().countDocuments(), "queue mode stores nothing before the flush");
        flush();
    }

    @Test
    void queueDownIs503WithRetryAfterAndNothingAccepted() {
        SluiceTestServers.sqsProxy().down();
        try {
            given().contentType("application/json")
                    .body("{\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}")
                    .post("/api/ai/usage")
                    .then().statusCode(503).header("Retry-After", notNullValue()).body("error", equalTo("unavailable"));
        } finally {
            SluiceTestServers.sqsProxy().up();
        }
        given().contentType("application/json")
                .body("{\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}")
                .post("/api/ai/usage").then().statusCode(202);
        assertEquals(1, flush().inserted(), "only the accepted event is stored");
    }
}

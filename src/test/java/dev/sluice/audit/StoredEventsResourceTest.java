package dev.sluice.audit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;

/** {@code GET /internal/events}: a user's newest stored events, for an admin; the rules of its parameters. */
@QuarkusTest
class StoredEventsResourceTest extends PipelineTest {

    @Test
    void aUsersNewestEventsAsStored() {
        for (String at : new String[] {"2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"}) {
            given().contentType("application/json").body("{\"userId\":\"ev\",\"model\":\"m\",\"inputTokens\":1,"
                    + "\"outputTokens\":1,\"timestamp\":\"" + at + "\"}").post("/api/ai/usage").then().statusCode(202);
        }
        given().contentType("application/json").body("{\"anonymousId\":\"ev\",\"event\":\"e\"}").post("/v1/track")
                .then().statusCode(202);
        flush();
        given().queryParam("userId", "ev").get("/internal/events").then().statusCode(200)
                .body("", hasSize(2)).body("[0].timestamp.$date", equalTo("2026-12-02T00:00:00Z"))
                .body("[0]._id.user", equalTo("ev")).body("[0]._s", equalTo(null));
        given().queryParam("userId", "ev").queryParam("kind", "analytics").queryParam("limit", 1)
                .get("/internal/events").then().statusCode(200).body("", hasSize(1))
                .body("[0].anonymousId", equalTo("ev"));
        given().queryParam("userId", "ev").queryParam("kind", "orders").get("/internal/events").then()
                .statusCode(400).body("problems[0].field", equalTo("kind"));
        given().queryParam("userId", "ev").queryParam("limit", 101).get("/internal/events").then()
                .statusCode(400).body("problems[0].field", equalTo("limit"));
        given().get("/internal/events").then().statusCode(400).body("problems[0].field", equalTo("userId"));
        given().header("Authorization", "Bearer nope").queryParam("userId", "ev").get("/internal/events").then()
                .statusCode(401);
    }
}

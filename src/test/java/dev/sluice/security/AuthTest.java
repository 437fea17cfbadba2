package dev.sluice.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import dev.sluice.testing.SluiceTestServers;
import dev.sluice.testing.TestTokens;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Each authentication rule: write keys on ingest (Bearer, Basic as Segment sends it, writeKey in a Segment body),
 * rotation with two keys valid, missing or wrong keys refused with nothing queued, admin keys on internal routes.
 */
@QuarkusTest
class AuthTest extends PipelineTest {

    static final String EVENT = "{\"userId\":\"a1\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}";

    @BeforeEach
    void noDefaultKey() {
        RestAssured.requestSpecification = null;
    }

    private static RequestSpecification json() {
        return given().contentType("application/json");
    }

    private static String basic(String user) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void ingestWithoutAValidKeyIsRefusedAndNothingIsQueued() {
        json().body(EVENT).post("/api/ai/usage").then().statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .body("error", equalTo("unauthorized"))
                .body("problems[0].field", equalTo("Authorization"))
                .body("problems[0].rule", containsString("write key"));
        json().header("Authorization", "Bearer wrong").body(EVENT).post("/api/ai/usage").then().statusCode(401);
        json().header("Authorization", "Bearer ").body(EVENT).post("/api/ai/usage").then().statusCode(401);
        json().body("{\"writeKey\":\"" + SluiceTestServers.KEY + "\",\"userId\":\"a1\",\"event\":\"e\"}")
                .post("/api/analytics/track").then().statusCode(401); // /api/* takes the key in the header only
        json().body("{\"userId\":\"a1\",\"event\":\"e\"}").post("/v1/track").then().statusCode(401);
        json().body("{\"writeKey\":\"wrong\",\"userId\":\"a1\",\"event\":\"e\"}").post("/v1/track").then()
                .statusCode(401);
        json().header("Authorization", basic("wrong")).body("{\"userId\":\"a1\",\"event\":\"e\"}")
                .post("/v1/track").then().statusCode(401);
        assertEquals(0, depth(config.queue().url()), "nothing refused is queued");
    }

    @Test
    void validKeysInEveryFormTheClientsUse() {
        json().header("Authorization", "Bearer " + SluiceTestServers.KEY).body(EVENT).post("/api/ai/usage").then()
                .statusCode(202);
        // rotation: the second key works alongside the first
        json().header("Authorization", "Bearer " + SluiceTestServers.ROTATED_WRITE_KEY).body(EVENT)
                .post("/api/ai/usage").then().statusCode(202);
        // Segment's libraries: HTTP Basic with the write key as user name
        json().header("Authorization", basic(SluiceTestServers.KEY)).body("{\"userId\":\"a1\",\"event\":\"e\"}")
                .post("/v1/track").then().statusCode(202);
        // older Segment libraries: the write key in the body, of a single call or a batch
        json().body("{\"writeKey\":\"" + SluiceTestServers.ROTATED_WRITE_KEY + "\",\"userId\":\"a1\",\"event\":\"e\"}")
                .post("/v1/track").then().statusCode(202);
        json().body("{\"writeKey\":\"" + SluiceTestServers.KEY + "\",\"batch\":[{\"type\":\"track\","
                + "\"userId\":\"a1\",\"event\":\"e\"}]}").post("/v1/batch").then().statusCode(202);
        json().header("Authorization", "Bearer " + SluiceTestServers.KEY)
                .body("{\"userId\":\"a1\",\"event\":\"e\"}").post("/api/analytics/track").then().statusCode(202);
        assertEquals(6, depth(config.queue().url()));
        flush();
        assertEquals(0, analytics().countDocuments(new org.bson.Document("writeKey",
                new org.bson.Document("$exists", true))), "a write key is never stored");
    }

    /** A batch too large to parse on the event loop is parsed on a worker thread, and its body's key still counts. */
    @Test
    void aLargeBatchWithItsKeyInTheBodyIsCheckedLikeASmallOne() {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"big\",\"event\":\"e\",")
                    .append("\"messageId\":\"big-").append(i).append("\",\"properties\":{\"pad\":\"")
                    .append("x".repeat(200)).append("\"}}");
        }
        String events = "\"batch\":[" + batch + "]}";
        assertTrue(events.length() > 64 * 1024, "larger than what the event loop parses");
        json().body("{\"writeKey\":\"wrong\"," + events).post("/v1/batch").then().statusCode(401);
        assertEquals(0, depth(config.queue().url()), "nothing refused is queued");
        json().body("{\"writeKey\":\"" + SluiceTestServers.KEY + "\"," + events).post("/v1/batch").then()
                .statusCode(202).body("accepted", equalTo(400));
    }

    @Test
    void internalRoutesTakeAnAdminKey() {
        given().post("/internal/flush").then().statusCode(401)
                .body("problems[0].rule", containsString("admin key"));
        given().header("Authorization", "Bearer " + SluiceTestServers.ROTATED_WRITE_KEY).post("/internal/flush")
                .then().statusCode(401); // a write key is no admin key
        given().header("Authorization", "Bearer " + SluiceTestServers.KEY).post("/internal/flush").then()
                .statusCode(200);
        given().post("/internal/loss-check").then().statusCode(401);
        given().queryParam("userId", "a1").post("/internal/cache/invalidate").then().statusCode(401);
        operations().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void usersReadTheirOwnStatsWithAJwtServicesAnyWithAKey() {
        String token = TestTokens.forUser("jwt-user", Duration.ofMinutes(5));
        given().header("Authorization", "Bearer " + token).get("/api/user-stats").then().statusCode(200)
                .body("userId", equalTo("jwt-user"));
        given().header("Authorization", "Bearer " + token).queryParam("userId", "jwt-user").get("/api/user/stats")
                .then().statusCode(200).body("userId", equalTo("jwt-user"));
        given().header("Authorization", "Bearer " + token).queryParam("userId", "someone-else")
                .get("/api/user-stats").then().statusCode(403).body("error", equalTo("forbidden"));
        given().header("Authorization", "Bearer " + SluiceTestServers.KEY).queryParam("userId", "someone-else")
                .get("/api/user-stats").then().statusCode(200).body("userId", equalTo("someone-else"));
        given().header("Authorization", "Bearer " + SluiceTestServers.KEY).get("/api/user-stats").then()
                .statusCode(400); // a service names the user
        given().get("/api/user-stats").then().statusCode(401);
        given().header("Authorization", "Bearer " + TestTokens.forUser("jwt-user", Duration.ofMinutes(-5)))
                .get("/api/user-stats").then().statusCode(401); // expired
        given().header("Authorization", "Bearer " + TestTokens.forged("jwt-user")).get("/api/user-stats").then()
                .statusCode(401);
        given().header("Authorization", "Bearer " + TestTokens.otherIssuer("jwt-user")).get("/api/user-stats")
                .then().statusCode(401);
        given().header("Authorization", "Bearer " + SluiceTestServers.ROTATED_WRITE_KEY)
                .queryParam("userId", "someone-else").get("/api/user-stats").then().statusCode(401);
    }

    /** The web app's RSA and EC keys are both valid at once (a JWKS with both), so it can move from one to the other. */
    @Test
    void rs256AndEs256TokensAreBothValid() {
        given().header("Authorization", "Bearer " + TestTokens.es256ForUser("ec-user", Duration.ofMinutes(5)))
                .get("/api/user-stats").then().statusCode(200).body("userId", equalTo("ec-user"));
        given().header("Authorization", "Bearer " + TestTokens.forUser("rsa-user", Duration.ofMinutes(5)))
                .get("/api/user-stats").then().statusCode(200).body("userId", equalTo("rsa-user"));
        given().header("Authorization", "Bearer " + TestTokens.es256ForUser("ec-user", Duration.ofMinutes(-5)))
                .get("/api/user-stats").then().statusCode(401); // expired
    }

    @Test
    void platformStatsTakeAServiceKey() {
        given().header("Authorization", "Bearer " + SluiceTestServers.KEY).get("/api/platform-stats").then()
                .statusCode(200);
        given().header("Authorization", "Bearer " + TestTokens.forUser("jwt-user", Duration.ofMinutes(5)))
                .get("/api/platform-stats").then().statusCode(401);
        given().get("/api/platform-stats").then().statusCode(401);
    }
}

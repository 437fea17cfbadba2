package dev.sluice.stats;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A cached entry lives {@code sluice.stats.user-ttl}, then the next read is a miss; and without
 * {@code refresh-cached}, a flush or the invalidate route only drops entries.
 */
@QuarkusTest
@TestProfile(StatsExpiryTest.ShortTtl.class)
class StatsExpiryTest extends PipelineTest {

    public static class ShortTtl implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sluice.stats.user-ttl", "1s", "sluice.stats.platform-ttl", "1s",
                    "sluice.stats.refresh-cached", "false");
        }
    }

    @Test
    void entriesExpireAfterTheirTtl() throws InterruptedException {
        given().queryParam("userId", "t1").get("/api/user-stats").then().header("X-Cache", "MISS");
        given().queryParam("userId", "t1").get("/api/user-stats").then().header("X-Cache", "HIT");
        given().get("/api/platform-stats").then().header("X-Cache", "MISS");
        given().get("/api/platform-stats").then().header("X-Cache", "HIT");
        Thread.sleep(1_300);
        given().queryParam("userId", "t1").get("/api/user-stats").then().header("X-Cache", "MISS");
        given().get("/api/platform-stats").then().header("X-Cache", "MISS");
    }

    @Test
    void withoutRefreshAFlushOrTheRouteDropsTheEntryAndTheNextReadIsAMissWithTheNewNumbers() {
        post("d1");
        flush();
        given().queryParam("userId", "t2").get("/api/user-stats").then().header("X-Cache", "MISS");
        given().queryParam("userId", "t2").get("/api/user-stats").then().header("X-Cache", "HIT");
        post("d2");
        flush();
        given().queryParam("userId", "t2").get("/api/user-stats").then().header("X-Cache", "MISS")
                .body("totals.requests", equalTo(2));
        given().queryParam("userId", "t2").post("/internal/cache/invalidate").then().statusCode(200)
                .body("rewritten", equalTo(0));
        given().queryParam("userId", "t2").get("/api/user-stats").then().header("X-Cache", "MISS");
    }

    private static void post(String id) {
        given().contentType("application/json").body("{\"eventId\":\"" + id
                + "\",\"userId\":\"t2\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}")
                .post("/api/ai/usage").then().statusCode(202);
    }
}

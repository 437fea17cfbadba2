package dev.sluice.stats;

import static io.restassured.RestAssured.given;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** A cached entry lives {@code sluice.stats.user-ttl}, then the next read is a miss. */
@QuarkusTest
@TestProfile(StatsExpiryTest.ShortTtl.class)
class StatsExpiryTest extends PipelineTest {

    public static class ShortTtl implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sluice.stats.user-ttl", "1s", "sluice.stats.platform-ttl", "1s");
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
}

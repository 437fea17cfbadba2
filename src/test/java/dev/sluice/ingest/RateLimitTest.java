package dev.sluice.ingest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import dev.sluice.testing.SluiceTestServers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The caps on ingest per user and per write key: 429 with Retry-After past them, the call refused whole and nothing
 * queued, other users and keys unaffected, accepted again in the next window, and limits still in force while Redis
 * is down.
 */
@QuarkusTest
@TestProfile(RateLimitTest.Limited.class)
class RateLimitTest extends PipelineTest {

    static final long WINDOW_MILLIS = 5000;

    public static class Limited implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sluice.limits.events-per-user", "5", "sluice.limits.events-per-key", "12",
                    "sluice.limits.window", WINDOW_MILLIS + "ms");
        }
    }

    /**
     * Waits for the start of a window, so a step's calls all fall in one; a call first (with the other key, whose
     * count the tests do not watch) so that no first-call warm-up eats into the window.
     */
    private static void startOfWindow() throws InterruptedException {
        given().header("Authorization", "Bearer " + SluiceTestServers.ROTATED_WRITE_KEY)
                .contentType("application/json").body(events("warm-up-" + System.nanoTime(), 1))
                .post("/api/ai/usage").then().statusCode(202);
        long into = System.currentTimeMillis() % WINDOW_MILLIS;
        if (into > 300) {
            Thread.sleep(WINDOW_MILLIS - into + 20);
        }
    }

    private static String events(String user, int n) {
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < n; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"userId\":\"").append(user)
                    .append("\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}");
        }
        return batch.append("]}").toString();
    }

    private static io.restassured.response.ValidatableResponse post(String body) {
        return given().contentType("application/json").body(body).post("/api/ai/usage").then();
    }

    @Test
    void aUserOverTheCapIsRefusedWholeUntilTheNextWindow() throws Exception {
        startOfWindow();
        post(events("runaway", 5)).statusCode(202);
        int queued = depth(config.queue().url());
        String retryAfter = post(events("runaway", 1)).statusCode(429)
                .body("error", equalTo("rate_limited"))
                .body("problems[0].field", equalTo("userId"))
                .body("problems[0].rule", containsString("over 5 events per 5 s"))
                .extract().header("Retry-After");
        assertTrue(Integer.parseInt(retryAfter) >= 1 && Integer.parseInt(retryAfter) <= 5, retryAfter);
        // a batch with a calm user and the runaway one: refused whole
        post("{\"batch\":[{\"userId\":\"calm\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1},"
                + "{\"userId\":\"runaway\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}]}").statusCode(429);
        assertEquals(queued, depth(config.queue().url()), "nothing of a refused call is queued");
        post(events("calm", 5)).statusCode(202);

        startOfWindow();
        post(events("runaway", 1)).statusCode(202);
    }

    @Test
    void withRedisDownEachInstanceLimitsOnItsOwn() throws Exception {
        SluiceTestServers.redisProxy().down();
        try {
            startOfWindow();
            post(events("offline", 5)).statusCode(202);
            post(events("offline", 1)).statusCode(429).header("Retry-After", org.hamcrest.Matchers.notNullValue());
            post(events("other", 1)).statusCode(202);
        } finally {
            SluiceTestServers.redisProxy().up();
        }
    }

    @Test
    void aWriteKeyOverItsCapIsRefusedAndAnotherKeyIsNot() throws Exception {
        startOfWindow();
        post(events("k1", 5)).statusCode(202);
        post(events("k2", 5)).statusCode(202);
        post(events("k3", 2)).statusCode(202);
        post(events("k4", 1)).statusCode(429).body("problems[0].field", equalTo("Authorization"))
                .body("problems[0].rule", containsString("write key is over 12 events per 5 s"));
        given().header("Authorization", "Bearer " + SluiceTestServers.ROTATED_WRITE_KEY)
                .contentType("application/json").body(events("k4", 1)).post("/api/ai/usage").then().statusCode(202);
    }
}

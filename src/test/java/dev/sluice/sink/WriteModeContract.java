package dev.sluice.sink;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import dev.sluice.store.EventDocuments;
import dev.sluice.testing.PipelineTest;

/**
 * What every write mode must store: the same documents for the same requests. Subclasses run it in {@code queue},
 * {@code direct} and {@code memory} mode.
 */
abstract class WriteModeContract extends PipelineTest {

    /** Whatever the mode needs so that accepted events are in MongoDB. */
    abstract void makeStored();

    @Test
    void storesTheSameDocumentsAsEveryOtherMode() {
        given().contentType("application/json").body("""
                {"batch":[{"eventId":"wm-1","userId":"u1","model":"gpt","provider":"openai","inputTokens":10,
                  "outputTokens":20,"costUsd":0.5,"feature":"chat","timestamp":"2025-01-01T00:00:00Z",
                  "metadata":{"a":1,"b":[true,null,"x"]}},
                 {"eventId":"wm-2","userId":"u2","model":"claude","inputTokens":3000000000,"outputTokens":0,
                  "timestamp":"2025-01-01T00:00:01Z"}]}""")
                .post("/api/ai/usage").then().statusCode(202);
        given().contentType("application/json").body("""
                {"messageId":"wm-3","userId":"u1","event":"Signed Up","properties":{"plan":"pro","$x":1.25},
                 "context":{"ip":"203.0.113.9"},"timestamp":"2025-01-01T00:00:02Z"}""")
                .post("/v1/track").then().statusCode(202);
        makeStored();

        assertEquals(List.of(
                new Document("_id", new Document("user", "u1").append("id", "wm-1")).append("userId", "u1")
                        .append("model", "gpt").append("provider", "openai")
                        .append("inputTokens", 10).append("outputTokens", 20).append("costUsd", 0.5)
                        .append("feature", "chat").append("timestamp", date("2025-01-01T00:00:00Z"))
                        .append("metadata", new Document("a", 1).append("b", java.util.Arrays.asList(true, null, "x"))),
                new Document("_id", new Document("user", "u2").append("id", "wm-2")).append("userId", "u2")
                        .append("model", "claude")
                        .append("inputTokens", 3_000_000_000L).append("outputTokens", 0)
                        .append("timestamp", date("2025-01-01T00:00:01Z"))),
                withoutServerFields(all(aiUsage())));
        assertEquals(List.of(new Document("_id", new Document("user", "u1").append("id", "wm-3"))
                .append("type", "track").append("userId", "u1")
                .append("event", "Signed Up")
                .append("properties", new Document("plan", "pro").append("\uFF04x", 1.25))
                .append("context", new Document("ip", "203.0.113.9"))
                .append("timestamp", date("2025-01-01T00:00:02Z"))), withoutServerFields(all(analytics())));

        // and the same stats, folded into the rollups by each mode's own cycle
        given().queryParam("userId", "u1").get("/api/user-stats").then().statusCode(200)
                .body("totals.requests", org.hamcrest.Matchers.equalTo(1))
                .body("totals.inputTokens", org.hamcrest.Matchers.equalTo(10))
                .body("totals.costUsd", org.hamcrest.Matchers.equalTo(0.5f))
                .body("totals.analyticsEvents", org.hamcrest.Matchers.equalTo(1))
                .body("topEvents[0].event", org.hamcrest.Matchers.equalTo("Signed Up"));
        given().queryParam("userId", "u2").get("/api/user-stats").then().statusCode(200)
                .body("totals.inputTokens", org.hamcrest.Matchers.equalTo(3_000_000_000L));
    }

    private static Date date(String iso) {
        return Date.from(Instant.parse(iso));
    }

    /** The documents without their time of receipt and the fold that stored them (queue and memory modes). */
    private static List<Document> withoutServerFields(List<Document> docs) {
        docs.forEach(d -> {
            assertEquals(Date.class, d.get("receivedAt").getClass());
            d.remove("receivedAt");
            d.remove(EventDocuments.STORED_BY);
        });
        return docs;
    }
}

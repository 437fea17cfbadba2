package dev.sluice.ingest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Date;
import java.time.Instant;
import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import dev.sluice.flush.FlushReport;
import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class AiUsageIngestTest extends PipelineTest {

    @Test
    void singleRecordLandsWithEveryField() {
        given().contentType("application/json").body("""
                {"eventId":"evt-1","userId":"u-42","model":"gpt-4o","provider":"openai","inputTokens":1200,
                 "outputTokens":350,"cachedTokens":100,"costUsd":0.0123,"latencyMs":812,"feature":"chat",
                 "timestamp":"2025-03-01T10:15:30Z","metadata":{"conversation":"c-9","tags":["a","b"]}}""")
                .post("/api/ai/usage")
                .then().statusCode(202).body("accepted", equalTo(1)).body("ids", contains("evt-1"));

        FlushReport report = flush();
        assertEquals(1, report.inserted());

        Document doc = aiUsage().find().first();
        assertEquals(new Document("user", "u-42").append("id", "evt-1"), doc.get("_id"), "the id within its user");
        assertEquals("u-42", doc.get("userId"));
        assertEquals("gpt-4o", doc.get("model"));
        assertEquals("openai", doc.get("provider"));
        assertEquals(1200L, ((Number) doc.get("inputTokens")).longValue());
        assertEquals(350L, ((Number) doc.get("outputTokens")).longValue());
        assertEquals(100L, ((Number) doc.get("cachedTokens")).longValue());
        assertEquals(0.0123, doc.getDouble("costUsd"));
        assertEquals(812L, ((Number) doc.get("latencyMs")).longValue());
        assertEquals("chat", doc.get("feature"));
        assertEquals(Date.from(Instant.parse("2025-03-01T10:15:30Z")), doc.getDate("timestamp"));
        assertEquals(new Document("conversation", "c-9").append("tags", List.of("a", "b")), doc.get("metadata"));
    }

    @Test
    void batchAssignsIdsWhereAbsentAndStoresEveryItem() {
        List<String> ids = given().contentType("application/json").body("""
                {"batch":[
                  {"eventId":"b-1","userId":"u1","model":"m1","inputTokens":1,"outputTokens":2},
                  {"userId":"u1","model":"m2","inputTokens":3,"outputTokens":4},
                  {"userId":"u2","model":"m1","inputTokens":5,"outputTokens":6}]}""")
                .post("/api/ai/usage")
                .then().statusCode(202).body("accepted", equalTo(3))
                .extract().jsonPath().getList("ids", String.class);
        assertEquals("b-1", ids.get(0));
        assertEquals(3, new java.util.HashSet<>(ids).size());

        FlushReport report = flush();
        assertEquals(3, report.inserted());
        assertEquals(1, report.messages(), "one request is packed into one message");
        List<Document> stored = all(aiUsage());
        assertEquals(new java.util.TreeSet<>(ids), new java.util.TreeSet<>(stored.stream()
                .map(d -> d.get("_id", Document.class).getString("id")).toList()));
        Document second = aiUsage().find(new Document("_id.id", ids.get(1))).first();
        assertEquals("m2", second.get("model"));
        assertEquals(3L, ((Number) second.get("inputTokens")).longValue());
        assertEquals(0, depth(config.queue().url()), "stored messages are deleted");
    }

    @Test
    void sameEventIdSentTwiceIsStoredOnce() {
        String body = "{\"eventId\":\"retry-1\",\"userId\":\"u1\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}";
        given().contentType("application/json").body(body).post("/api/ai/usage").then().statusCode(202);
        flush();
        given().contentType("application/json").body(body).post("/api/ai/usage").then().statusCode(202);
        given().contentType("application/json").body("{\"batch\":[" + body + "," + body + "]}")
                .post("/api/ai/usage").then().statusCode(202);

        FlushReport report = flush();
        assertEquals(0, report.inserted());
        assertEquals(3, report.duplicates());
        assertEquals(0, report.failed());
        assertEquals(1, aiUsage().countDocuments());
        assertEquals(0, depth(config.queue().url()));
    }
}

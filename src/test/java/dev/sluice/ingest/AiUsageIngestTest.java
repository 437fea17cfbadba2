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
        assertEquals("evt-1", doc.get("_id"));
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
}

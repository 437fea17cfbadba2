package dev.sluice.ingest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Instant;
import java.util.Date;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;

/** The Segment HTTP Tracking API, with bodies as Segment's libraries send them. */
@QuarkusTest
class SegmentIngestTest extends PipelineTest {

    @Test
    void everyCallTypeLands() {
        post("/v1/track", "{\"messageId\":\"t-1\",\"userId\":\"u1\",\"event\":\"Signed Up\","
                + "\"properties\":{\"plan\":\"pro\",\"price\":9.5},\"timestamp\":\"2025-01-02T03:04:05.678Z\"}");
        post("/v1/identify", "{\"messageId\":\"i-1\",\"userId\":\"u1\",\"traits\":{\"email\":\"a@b.c\"}}");
        post("/v1/page", "{\"messageId\":\"p-1\",\"anonymousId\":\"anon-7\",\"name\":\"Pricing\","
                + "\"properties\":{\"url\":\"https://x/pricing\"}}");
        post("/v1/screen", "{\"messageId\":\"s-1\",\"userId\":\"u1\",\"name\":\"Home\"}");
        post("/v1/group", "{\"messageId\":\"g-1\",\"userId\":\"u1\",\"groupId\":\"acme\",\"traits\":{\"n\":5}}");
        post("/v1/alias", "{\"messageId\":\"a-1\",\"userId\":\"u1\",\"previousId\":\"anon-7\"}");

        assertEquals(6, flush().inserted());

        Document track = doc("t-1");
        assertEquals("track", track.get("type"));
        assertEquals("Signed Up", track.get("event"));
        assertEquals(new Document("plan", "pro").append("price", 9.5), track.get("properties"));
        assertEquals(Date.from(Instant.parse("2025-01-02T03:04:05.678Z")), track.getDate("timestamp"));
        assertNotNull(track.getDate("receivedAt"));
        assertEquals(new Document("email", "a@b.c"), doc("i-1").get("traits"));
        assertEquals("anon-7", doc("p-1").get("anonymousId"));
        assertEquals("Pricing", doc("p-1").get("name"));
        assertEquals("Home", doc("s-1").get("name"));
        assertEquals("acme", doc("g-1").get("groupId"));
        assertEquals("anon-7", doc("a-1").get("previousId"));
    }

    @Test
    void batchAsTheNodeLibrarySendsIt() {
        given().contentType("application/json").body("""
                {"batch":[
                  {"type":"track","event":"Clicked","userId":"u9","properties":{"button":"buy"},
                   "messageId":"node-next-1700000000000-0d5c","timestamp":"2025-05-05T05:05:05.000Z",
                   "context":{"library":{"name":"@segment/analytics-node","version":"2.1.0"}},
                   "integrations":{},"_metadata":{"nodeVersion":"20.0.0","jsRuntime":"node"}},
                  {"type":"identify","userId":"u9","traits":{"name":"Nine"},"messageId":"node-next-2"}],
                 "writeKey":"wk_secret","sentAt":"2025-05-05T05:05:06.000Z",
                 "context":{"ip":"203.0.113.1"}}""")
                .post("/v1/batch")
                .then().statusCode(202).body("ids", contains("node-next-1700000000000-0d5c", "node-next-2"));

        assertEquals(2, flush().inserted());
        Document track = doc("node-next-1700000000000-0d5c");
        assertEquals("Clicked", track.get("event"));
        assertEquals(new Document("button", "buy"), track.get("properties"));
        assertEquals("@segment/analytics-node",
                track.get("context", Document.class).get("library", Document.class).get("name"));
        assertEquals(Date.from(Instant.parse("2025-05-05T05:05:06Z")), track.getDate("sentAt"));
        Document identify = doc("node-next-2");
        assertEquals(new Document("ip", "203.0.113.1"), identify.get("context"), "batch context applies");
        assertFalse(track.containsKey("writeKey") || identify.containsKey("writeKey"), "the write key is secret");
    }

    @Test
    void appRouteIsAnAliasOfTrack() {
        given().contentType("application/json").body("{\"userId\":\"u1\",\"event\":\"Viewed\"}")
                .post("/api/analytics/track").then().statusCode(202).body("accepted", equalTo(1));
        flush();
        Document stored = analytics().find().first();
        assertEquals("track", stored.get("type"));
        assertEquals("Viewed", stored.get("event"));
    }

    @Test
    void operatorLikeKeysAreStoredAsData() {
        post("/v1/track", "{\"messageId\":\"op-1\",\"userId\":\"u1\",\"event\":\"e\","
                + "\"properties\":{\"$where\":\"sleep(1)\",\"a.b\":1,\"nested\":{\"$gt\":\"\"}}}");
        assertEquals(1, flush().inserted());
        Document properties = doc("op-1").get("properties", Document.class);
        assertEquals("sleep(1)", properties.get("\uFF04where"));
        assertEquals(1, properties.get("a\uFF0Eb"));
        assertEquals(new Document("\uFF04gt", ""), properties.get("nested"));
    }

    private static void post(String path, String body) {
        given().contentType("application/json").body(body).post(path).then().statusCode(202);
    }

    private Document doc(String id) {
        return analytics().find(new Document("_id.id", id)).first();
    }
}

package dev.sluice.ingest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import jakarta.inject.Inject;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import dev.sluice.audit.LossCheck;
import dev.sluice.audit.LossReport;
import dev.sluice.queue.EventQueue;
import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Event ids are scoped to their user (and kind: each kind has its collection): one user's id can never suppress
 * another's event, while a user's resend is still stored once. Messages written before ids were scoped (version 1)
 * keep their global ids, so their redeliveries are still recognised.
 */
@QuarkusTest
class EventIdScopeTest extends PipelineTest {

    @Inject
    LossCheck lossCheck;
    @Inject
    EventQueue queue;

    private static void usage(String user, String id, int tokens) {
        given().contentType("application/json").body("{\"eventId\":\"" + id + "\",\"userId\":\"" + user
                + "\",\"model\":\"m\",\"inputTokens\":" + tokens + ",\"outputTokens\":1}")
                .post("/api/ai/usage").then().statusCode(202);
    }

    @Test
    void theSameIdFromTwoUsersIsTwoEventsAndAResendIsOne() {
        Instant from = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        usage("alice", "req-0001", 10);
        flush();
        usage("bob", "req-0001", 1200); // another user, another key: not a duplicate
        usage("alice", "req-0001", 10); // alice's resend: a duplicate
        given().contentType("application/json").body("{\"messageId\":\"m-1\",\"userId\":\"alice\",\"event\":\"e\"}")
                .post("/v1/track").then().statusCode(202);
        given().contentType("application/json").body("{\"messageId\":\"m-1\",\"userId\":\"bob\",\"event\":\"e\"}")
                .post("/v1/track").then().statusCode(202);
        var report = flush();
        assertEquals(3, report.inserted());
        assertEquals(1, report.duplicates());

        assertEquals(2, aiUsage().countDocuments(new Document("_id.id", "req-0001")));
        assertEquals(2, analytics().countDocuments(new Document("_id.id", "m-1")));
        given().queryParam("userId", "bob").get("/api/user-stats").then().statusCode(200)
                .body("totals.requests", equalTo(1)).body("totals.inputTokens", equalTo(1200))
                .body("totals.analyticsEvents", equalTo(1));
        given().queryParam("userId", "alice").get("/api/user-stats").then().statusCode(200)
                .body("totals.requests", equalTo(1)).body("totals.inputTokens", equalTo(10));

        LossReport loss = lossCheck.check(from, from.plus(2, ChronoUnit.MINUTES), true);
        assertEquals(LossReport.Verdict.NO_LOSS, loss.verdict(), loss.reason());
        assertEquals(5, loss.accepted());
        assertEquals(4, loss.stored());
        assertEquals(1, loss.resent());
    }

    @Test
    void eventsOfMessagesWrittenBeforeScopedIdsKeepTheirGlobalIds() {
        // a version 1 message, as an older ingest queued it, delivered twice (a redelivery)
        String body = "{\"v\":1,\"events\":[{\"id\":\"old-1\",\"kind\":\"ai_usage\",\"userId\":\"carol\",\"doc\":"
                + "{\"userId\":\"carol\",\"model\":\"m\",\"inputTokens\":5,\"outputTokens\":1,\"timestamp\":\""
                + Instant.now() + "\",\"receivedAt\":\"" + Instant.now() + "\"}}]}";
        queue.send(List.of(body));
        assertEquals(1, flush().inserted());
        queue.send(List.of(body));
        assertEquals(1, flush().duplicates(), "recognised: stored under the id alone, as before");
        assertEquals("old-1", aiUsage().find().first().get("_id"));
        given().queryParam("userId", "carol").get("/api/user-stats").then().statusCode(200)
                .body("totals.requests", equalTo(1)).body("totals.inputTokens", equalTo(5));
    }
}

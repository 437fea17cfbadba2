package dev.sluice.audit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import dev.sluice.queue.EventQueue;
import dev.sluice.queue.ReceivedMessage;
import dev.sluice.testing.PipelineTest;
import dev.sluice.testing.SluiceTestServers;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The loss check: accepted (the ledger) against stored, resent and dead-lettered, for a period, with the queue
 * drained first. Every way an event can legitimately be counted differently is covered, and a real loss is found.
 */
@QuarkusTest
class LossCheckTest extends PipelineTest {

    @Inject
    LossCheck check;
    @Inject
    EventQueue queue;

    private final Instant from = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(1, ChronoUnit.MINUTES);

    private LossReport run(boolean drain) {
        return check.check(from, Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(2, ChronoUnit.MINUTES), drain);
    }

    private static void track(String body) {
        given().contentType("application/json").body(body).post("/api/ai/usage").then().statusCode(202);
    }

    private static String event(String id) {
        return "{\"eventId\":\"" + id + "\",\"userId\":\"lc\",\"model\":\"x\",\"inputTokens\":1,\"outputTokens\":1}";
    }

    @Test
    void everythingAcceptedIsStoredOrAccountedFor() {
        track("{\"batch\":[" + event("l1") + "," + event("l2") + "," + event("l2") + "]}"); // l2 twice: one event
        track(event("l3"));
        track(event("l3")); // a client retry: accepted twice, stored once
        given().contentType("application/json").body("{\"userId\":\"lc\",\"event\":\"e\"}").post("/v1/track")
                .then().statusCode(202);

        LossReport report = run(true); // the drain stores them
        assertEquals(LossReport.Verdict.NO_LOSS, report.verdict(), report.reason());
        assertEquals(5, report.accepted());
        assertEquals(4, report.stored());
        assertEquals(1, report.resent());
        assertEquals(0, report.missing());
    }

    /** Concurrent calls are each counted once by the ledger and each stored once. */
    @Test
    void concurrentCallsAreEachCounted() throws InterruptedException {
        List<Thread> callers = IntStream.range(0, 40).mapToObj(i -> new Thread(() -> track(event("c" + i)))).toList();
        callers.forEach(Thread::start);
        for (Thread caller : callers) {
            caller.join();
        }
        LossReport report = run(true);
        assertEquals(LossReport.Verdict.NO_LOSS, report.verdict(), report.reason());
        assertEquals(40, report.accepted());
        assertEquals(40, report.stored());
    }

    @Test
    void aRedeliveryIsNotAResend() {
        track(event("r1"));
        // the message delivered twice, as SQS does when a flush dies before its delete
        List<ReceivedMessage> got = queue.receive(10, Duration.ofSeconds(30), Duration.ofSeconds(1));
        queue.send(got.stream().map(ReceivedMessage::body).toList());
        queue.send(got.stream().map(ReceivedMessage::body).toList());
        queue.delete(got);

        LossReport report = run(true);
        assertEquals(LossReport.Verdict.NO_LOSS, report.verdict(), report.reason());
        assertEquals(1, report.accepted());
        assertEquals(1, report.stored());
        assertEquals(0, report.resent(), "a redelivered message brings the same event, not a new call");
    }

    @Test
    void eventsStillQueuedMakeTheCheckInconclusiveNotALoss() {
        track(event("q1"));
        LossReport report = run(false);
        assertEquals(LossReport.Verdict.INCONCLUSIVE, report.verdict());
        assertEquals(1, report.queuedMessages());
    }

    @Test
    void deadLetteredEventsAreCountedAndStayInTheDeadLetterQueue() {
        track("{\"batch\":[" + event("d1") + "," + event("d2") + "]}");
        List<ReceivedMessage> got = queue.receive(10, Duration.ofSeconds(30), Duration.ofSeconds(1));
        queue.deadLetter(got.get(0), "test");

        LossReport report = run(true);
        assertEquals(LossReport.Verdict.NO_LOSS, report.verdict(), report.reason());
        assertEquals(2, report.deadLettered());
        assertEquals(0, report.stored());
        assertEquals(1, depth(config.queue().dlqUrl()), "the check reads dead letters without taking them");
    }

    @Test
    void anEventGoneMissingIsReportedAsALoss() {
        track("{\"batch\":[" + event("g1") + "," + event("g2") + "]}");
        flush();
        aiUsage().deleteOne(new Document("_id.id", "g2")); // what a buggy flush or a lost write would leave

        LossReport report = run(true);
        assertEquals(LossReport.Verdict.LOSS, report.verdict());
        assertEquals(1, report.missing());
    }

    @Test
    void countsTheLedgerMissedMakeTheCheckInconclusive() {
        SluiceTestServers.redisProxy().down();
        try {
            track(event("n1")); // accepted: the ledger never fails a call
        } finally {
            SluiceTestServers.redisProxy().up();
        }
        LossReport report = run(true);
        assertEquals(LossReport.Verdict.INCONCLUSIVE, report.verdict());
        assertEquals(-1, report.missing());
    }

    @Test
    void theRouteChecksItsPeriod() {
        given().queryParam("from", "yesterday").post("/internal/loss-check").then().statusCode(400)
                .body("problems[0].field", equalTo("from"));
        given().queryParam("to", Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES).toString())
                .post("/internal/loss-check").then().statusCode(400).body("problems[0].field", equalTo("to"));
        given().queryParam("from", "2026-11-27T10:15:30Z").post("/internal/loss-check").then().statusCode(400)
                .body("problems[0].rule", equalTo("must be a whole minute, like 2026-11-27T10:15:00Z"));
        given().post("/internal/loss-check").then().statusCode(200).body("verdict", equalTo("NO_LOSS"))
                .body("accepted", equalTo(0));
    }
}

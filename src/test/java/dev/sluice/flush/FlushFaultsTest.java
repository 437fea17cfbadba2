package dev.sluice.flush;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.config.SluiceConfig;
import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;
import dev.sluice.queue.EventQueue;
import dev.sluice.queue.MessageCodec;
import dev.sluice.queue.SqsEventQueue;
import dev.sluice.rollup.Rollups;
import dev.sluice.store.BulkWriter;
import dev.sluice.store.EventStore;
import dev.sluice.testing.FaultyQueue;
import dev.sluice.testing.FaultyStore;
import dev.sluice.testing.PipelineTest;
import dev.sluice.testing.SluiceTestServers;
import dev.sluice.testing.UsersChangedRecorder;
import io.quarkus.test.junit.QuarkusTest;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The flush under faults: MongoDB down, a crash between insert and delete, redelivery, poison messages, write
 * failures that exhaust the receive count, overlapping triggers and budgets. Nothing may be lost or stored twice.
 */
@QuarkusTest
class FlushFaultsTest extends PipelineTest {

    @Inject
    EventQueue queue;
    @Inject
    EventStore store;
    @Inject
    MessageCodec codec;
    @Inject
    Rollups rollups;
    @Inject
    FlushMetrics flushMetrics;
    @Inject
    UsersChangedRecorder recorder;
    @Inject
    ObjectMapper mapper;

    FaultyQueue faultyQueue;
    FaultyStore faultyStore;
    Flusher faulty;

    @BeforeEach
    void faultyFlusher() {
        faultyQueue = new FaultyQueue(queue);
        faultyStore = new FaultyStore(store);
        faulty = flusherWith(config);
        recorder.clear();
    }

    private Flusher flusherWith(SluiceConfig cfg) {
        return new Flusher(faultyQueue, codec, new BulkWriter(faultyStore), faultyStore, rollups, flushMetrics, cfg);
    }

    private static void track(String eventId, String userId) {
        given().contentType("application/json").body("{\"eventId\":\"" + eventId + "\",\"userId\":\"" + userId
                + "\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}").post("/api/ai/usage")
                .then().statusCode(202);
    }

    private static void waitOutVisibility() throws InterruptedException {
        Thread.sleep(2_300);
    }

    @Test
    void mongoDownBeforeTheFlushKeepsEveryMessage() {
        track("down-1", "u1");
        track("down-2", "u1");
        SluiceTestServers.mongoProxy().down();
        FlushReport report = flush();
        assertEquals(FlushReport.Stop.STORE_UNAVAILABLE, report.stop());
        assertEquals(0, report.messages(), "nothing is taken off the queue while MongoDB is down");
        assertEquals(2, depth(config.queue().url()));

        SluiceTestServers.mongoProxy().up();
        assertEquals(2, flush().inserted());
        assertEquals(2, aiUsage().countDocuments());
        assertEquals(0, depth(config.queue().url()));
    }

    @Test
    void mongoDownInTheMiddleOfAWriteKeepsTheMessages() throws Exception {
        track("mid-1", "u1");
        faultyStore.beforeInsert = () -> SluiceTestServers.mongoProxy().down();
        FlushReport report = faulty.flush();
        assertEquals(FlushReport.Stop.STORE_UNAVAILABLE, report.stop());
        assertEquals(1, report.failed());
        assertEquals(0, report.deleted());

        SluiceTestServers.mongoProxy().up();
        waitOutVisibility();
        FlushReport retry = flush();
        assertEquals(1, retry.inserted() + retry.duplicates());
        assertEquals(1, aiUsage().countDocuments());
        assertEquals(0, depth(config.queue().url()));
    }

    @Test
    void crashAfterInsertBeforeDeleteStoresNothingTwice() throws Exception {
        given().contentType("application/json").body("{\"batch\":["
                + "{\"eventId\":\"c-1\",\"userId\":\"u1\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1},"
                + "{\"eventId\":\"c-2\",\"userId\":\"u2\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}]}")
                .post("/api/ai/usage").then().statusCode(202);
        track("c-3", "u3");
        faultyQueue.crashBeforeDelete = true;
        assertThrows(FaultyQueue.SimulatedCrash.class, faulty::flush);
        assertEquals(3, aiUsage().countDocuments(), "inserted before the crash");
        assertEquals(Set.of("u1", "u2", "u3"), recorder.users(), "counted and published before the crash");
        recorder.clear();

        waitOutVisibility();
        FlushReport redelivered = flush();
        assertEquals(3, redelivered.events());
        assertEquals(0, redelivered.inserted());
        assertEquals(3, redelivered.duplicates());
        assertEquals(2, redelivered.deleted());
        assertEquals(3, aiUsage().countDocuments());
        assertEquals(0, depth(config.queue().url()));
        assertEquals(Set.of(), recorder.users(), "the redelivered duplicates change no rollup");
    }

    @Test
    void theSameMessageDeliveredTwiceIsStoredOnce() {
        TrackedEvent event = new TrackedEvent("dup-1", EventKind.AI_USAGE, "u1",
                mapper.createObjectNode().put("userId", "u1").put("model", "m"));
        List<String> bodies = codec.pack(List.of(event));
        queue.send(bodies);
        queue.send(bodies);
        FlushReport report = flush();
        assertEquals(2, report.messages());
        assertEquals(1, report.inserted());
        assertEquals(1, report.duplicates());
        assertEquals(2, report.deleted());
        assertEquals(1, aiUsage().countDocuments());
    }

    @Test
    void poisonGoesToTheDeadLetterQueueAtOnceWithAReason() {
        sqs.sendMessage(b -> b.queueUrl(config.queue().url()).messageBody("{not json"));
        sqs.sendMessage(b -> b.queueUrl(config.queue().url()).messageBody("{\"v\":99,\"events\":[]}"));
        track("fine-1", "u1");
        FlushReport report = flush();
        assertEquals(2, report.deadLettered());
        assertEquals(1, report.inserted());
        assertEquals(0, depth(config.queue().url()));
        List<Message> dead = peek(config.queue().dlqUrl());
        assertEquals(2, dead.size());
        for (Message m : dead) {
            String reason = m.messageAttributes().get(SqsEventQueue.DLQ_REASON).stringValue();
            assertTrue(reason.startsWith("v2:unparseable:"), reason);
        }
    }

    @Test
    void aWriteThatKeepsFailingReachesTheDeadLetterQueueAndReplayBringsItBack() throws Exception {
        track("stuck-1", "u1");
        faultyStore.rejectIds = Set.of("stuck-1");
        for (int i = 0; i < 12 && depth(config.queue().dlqUrl()) == 0; i++) {
            FlushReport report = faulty.flush();
            assertEquals(0, report.deleted(), "a message whose event failed is never deleted");
            waitOutVisibility();
        }
        assertEquals(1, depth(config.queue().dlqUrl()), "SQS redrives after maxReceiveCount receives");
        assertEquals(0, depth(config.queue().url()));
        assertEquals(0, aiUsage().countDocuments());

        // the cause is fixed (the store accepts it again): replay, and the next flush stores it
        given().post("/internal/dlq/replay").then().statusCode(200)
                .body("replayed", org.hamcrest.Matchers.equalTo(1));
        assertEquals(0, depth(config.queue().dlqUrl()));
        assertEquals(1, flush().inserted());
        assertEquals("stuck-1", aiUsage().find().first().get("_id", Document.class).getString("id"));
    }

    @Test
    void twoFlushesNeverRunAtOnce() throws Exception {
        track("o-1", "u1");
        faultyStore.holdInsert = new CountDownLatch(1);
        CompletableFuture<FlushReport> first = CompletableFuture.supplyAsync(faulty::flush);
        assertTrue(faultyStore.insertStarted.await(10, TimeUnit.SECONDS));
        assertEquals(FlushReport.Stop.ALREADY_RUNNING, faulty.flush().stop());
        faultyStore.holdInsert.countDown();
        assertEquals(1, first.get(10, TimeUnit.SECONDS).inserted());
    }

    @Test
    void eventAndTimeBudgetsStopTheFlush() {
        track("b-1", "u1");
        track("b-2", "u1");
        track("b-3", "u1");
        Flusher budgeted = flusherWith(flushOverrides(Map.of("maxEvents", 2, "messagesPerRound", 1)));
        FlushReport report = budgeted.flush();
        assertEquals(FlushReport.Stop.EVENT_BUDGET, report.stop());
        assertEquals(2, report.inserted());

        Flusher timed = flusherWith(flushOverrides(Map.of("timeBudget", Duration.ZERO)));
        FlushReport none = timed.flush();
        assertEquals(FlushReport.Stop.TIME_BUDGET, none.stop());
        assertEquals(0, none.messages());

        assertEquals(1, flush().inserted());
        assertEquals(3, aiUsage().countDocuments());
    }

    @Test
    void aRoundReceivedBesideAFailedWriteGoesBackAtOnce() {
        track("g-1", "u1");
        track("g-2", "u1");
        track("g-3", "u1");
        faultyStore.beforeInsert = () -> SluiceTestServers.mongoProxy().down();
        // one message a round: the second is received while the first is written, and that write fails
        FlushReport report = flusherWith(flushOverrides(Map.of("messagesPerRound", 1, "visibilityTimeout",
                Duration.ofSeconds(30)))).flush();
        SluiceTestServers.mongoProxy().up();
        assertEquals(FlushReport.Stop.STORE_UNAVAILABLE, report.stop());
        assertEquals(1, report.messages());
        int visible = Integer.parseInt(sqs.getQueueAttributes(b -> b.queueUrl(config.queue().url())
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
        assertEquals(2, visible, "the prefetched message is visible again, not held for the visibility timeout");
        sqs.purgeQueue(b -> b.queueUrl(config.queue().url())); // the first, in flight for 30 s
    }

    /**
     * Rounds of one message, inserts of two events: an event rejected in a later chunk of a later round keeps exactly
     * its own message, and every other event is stored once, whichever thread built its chunk.
     */
    @Test
    void aRejectionInALaterChunkKeepsExactlyItsMessage() throws InterruptedException {
        for (String message : List.of("a", "b", "c")) {
            StringBuilder batch = new StringBuilder("{\"batch\":[");
            for (int i = 0; i < 5; i++) {
                batch.append(i == 0 ? "" : ",").append("{\"eventId\":\"").append(message).append('-').append(i)
                        .append("\",\"userId\":\"u1\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}");
            }
            given().contentType("application/json").body(batch.append("]}").toString()).post("/api/ai/usage")
                    .then().statusCode(202);
        }
        faultyStore.rejectIds = Set.of("b-3");
        FlushReport report = flusherWith(flushOverrides(Map.of("messagesPerRound", 1, "insertChunkSize", 2)))
                .flush();
        assertEquals(3, report.messages());
        assertEquals(14, report.inserted());
        assertEquals(1, report.failed());
        assertEquals(2, report.deleted(), "the messages of a and c");

        faultyStore.rejectIds = Set.of();
        waitOutVisibility();
        FlushReport retry = flusherWith(flushOverrides(Map.of("roundBytes", 1, "insertChunkSize", 2))).flush();
        assertEquals(1, retry.messages());
        assertEquals(1, retry.inserted());
        assertEquals(4, retry.duplicates());
        assertEquals(15, aiUsage().countDocuments());
        assertEquals(0, depth(config.queue().url()));
    }

    @Test
    void storedUsersArePublishedForCacheInvalidation() {
        track("p-1", "alice");
        track("p-2", "bob");
        flush();
        assertEquals(Set.of("alice", "bob"), recorder.users());
    }

    /** The test configuration with some {@code sluice.flush.*} values replaced. */
    private SluiceConfig flushOverrides(Map<String, Object> values) {
        SluiceConfig.Flush base = config.flush();
        SluiceConfig.Flush flush = (SluiceConfig.Flush) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { SluiceConfig.Flush.class },
                (p, m, a) -> values.containsKey(m.getName()) ? values.get(m.getName()) : m.invoke(base, a));
        return (SluiceConfig) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { SluiceConfig.class },
                (p, m, a) -> m.getName().equals("flush") ? flush : m.invoke(config, a));
    }
}

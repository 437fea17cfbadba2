package dev.sluice.rollup;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;
import dev.sluice.flush.FlushMetrics;
import dev.sluice.flush.FlushReport;
import dev.sluice.flush.Flusher;
import dev.sluice.queue.EventQueue;
import dev.sluice.queue.MessageCodec;
import dev.sluice.store.BulkWriter;
import dev.sluice.store.EventDocuments;
import dev.sluice.store.EventStore;
import dev.sluice.store.SluiceCollections;
import dev.sluice.testing.FaultyQueue;
import dev.sluice.testing.FaultyStore;
import dev.sluice.testing.PipelineTest;
import dev.sluice.testing.SluiceTestServers;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Every stored event is counted exactly once in the rollups: through duplicates, redeliveries, a flush that dies
 * between insert and delete, and a fold that dies or loses MongoDB after each of its steps. Each case ends with the
 * stats and the reconciliation against raw events.
 */
@QuarkusTest
class RollupExactnessTest extends PipelineTest {

    static final List<String> STEPS = Rollups.STEPS;

    @Inject
    Rollups rollups;
    @Inject
    FlushMetrics flushMetrics;
    @Inject
    Reconciler reconciler;
    @Inject
    EventQueue queue;
    @Inject
    MessageCodec codec;
    @Inject
    EventStore store;
    @Inject
    SluiceCollections collections;
    @Inject
    Clock clock;
    @Inject
    Event<UsersChanged> usersChanged;
    @Inject
    MeterRegistry registry;

    /** A process dying at a step of a fold. */
    static final class Killed extends RuntimeException {
        Killed(String step) {
            super("killed after " + step);
        }
    }

    @AfterEach
    void noProbe() {
        rollups.probe(null);
    }

    private static void usage(String id, String user, int inputTokens, String cost) {
        given().contentType("application/json").body("{\"eventId\":\"" + id + "\",\"userId\":\"" + user
                + "\",\"model\":\"m.1\",\"inputTokens\":" + inputTokens + ",\"outputTokens\":1,\"costUsd\":" + cost
                + "}").post("/api/ai/usage").then().statusCode(202);
    }

    private static void track(String id, String user) {
        given().contentType("application/json").body("{\"messageId\":\"" + id + "\",\"userId\":\"" + user
                + "\",\"event\":\"Clicked\"}").post("/v1/track").then().statusCode(202);
    }

    private static JsonPath stats(String user) {
        return given().queryParam("userId", user).get("/api/user-stats").then().statusCode(200).extract()
                .jsonPath();
    }

    /** An AI usage event as ingest makes it, for writes that bypass ingest and the queue. */
    private static TrackedEvent usageEvent(String id, String user, int inputTokens, double cost) {
        String now = Instant.now().toString();
        ObjectNode doc = JsonNodeFactory.instance.objectNode().put("userId", user).put("model", "m.1")
                .put("inputTokens", inputTokens).put("outputTokens", 1).put("costUsd", cost).put("timestamp", now)
                .put("receivedAt", now);
        return new TrackedEvent(id, EventKind.AI_USAGE, user, doc);
    }

    /** Stats, platform totals and reconciliation all say: exactly these events, once. */
    private void assertExact(String user, long requests, long inputTokens, double cost, long analytics) {
        JsonPath s = stats(user);
        assertEquals(requests, s.getLong("totals.requests"), "requests");
        assertEquals(inputTokens, s.getLong("totals.inputTokens"), "inputTokens");
        assertEquals(cost, s.getDouble("totals.costUsd"), 0, "costUsd");
        assertEquals(analytics, s.getLong("totals.analyticsEvents"), "analyticsEvents");
        assertEquals(requests, s.getLong("windows.last24h.requests"), "hourly buckets");
        assertEquals(requests, s.getLong("models[0].requests"), "per model");
        Document platform = platformToday();
        assertEquals(requests, platform.get("totals", Document.class).getLong("requests"), "platform requests");
        ReconcileReport report = reconciler.reconcile(user);
        assertTrue(report.exact(), () -> "reconciliation: " + report.differences());
        assertEquals(requests + analytics, report.eventsCounted());
        assertEquals(0, aiUsage().countDocuments(new Document(EventDocuments.PENDING, new Document("$exists", true)))
                + aiUsage().countDocuments(new Document(EventDocuments.FOLD, new Document("$exists", true))),
                "every event folded and released");
        assertEquals(0, mongo().getCollection(config.mongo().foldJournalCollection()).countDocuments(),
                "no fold under way");
    }

    private Document platformToday() {
        return mongo().getCollection(config.mongo().platformDailyCollection())
                .find(new Document("_id", LocalDate.ofInstant(Instant.now(), ZoneOffset.UTC).toString())).first();
    }

    private com.mongodb.client.MongoDatabase mongo() {
        return mongoClient().getDatabase(config.mongo().database());
    }

    @Test
    void duplicatesAndRedeliveriesAreCountedOnce() {
        usage("d-1", "x1", 10, "0.1");
        usage("d-1", "x1", 10, "0.1"); // a client retry: a second message with the same event
        given().contentType("application/json").body("""
                {"batch":[{"type":"track","messageId":"d-2","userId":"x1","event":"Clicked"},
                          {"type":"track","messageId":"d-2","userId":"x1","event":"Clicked"}]}""")
                .post("/v1/batch").then().statusCode(202);
        flush();
        usage("d-1", "x1", 10, "0.1"); // and again, after it was stored
        flush();
        assertExact("x1", 1, 10, 0.1, 1);
    }

    @Test
    void aFlushThatDiesBetweenInsertAndDeleteCountsOnce() throws Exception {
        usage("c-1", "x2", 5, "0.2");
        usage("c-2", "x2", 7, "0.3");
        FaultyQueue dying = new FaultyQueue(queue);
        dying.crashBeforeDelete = true;
        Flusher flusher = new Flusher(dying, codec, new BulkWriter(store), store, rollups, flushMetrics, config);
        assertThrows(FaultyQueue.SimulatedCrash.class, flusher::flush);
        Thread.sleep(2_300); // the messages come back
        assertEquals(2, flush().duplicates());
        assertExact("x2", 2, 12, 0.5, 0);
    }

    @Test
    void eventsStoredWhoseAnswerWasLostAreCountedFromMongoDb() throws Exception {
        usage("l-1", "x6", 6, "0.6");
        track("l-2", "x6");
        FaultyStore unanswered = new FaultyStore(store);
        unanswered.loseAnswer = true;
        FlushReport lost = new Flusher(queue, codec, new BulkWriter(unanswered), store, rollups, flushMetrics,
                config).flush();
        assertEquals(0, lost.inserted());
        assertEquals(0, lost.deleted(), "nothing known stored: the messages stay");
        assertEquals(1, stats("x6").getLong("totals.requests"), "what was stored is counted in the same flush");
        Thread.sleep(2_300); // they come back
        FlushReport again = flush();
        // the usage event was stored by the write without an answer; the writer tried no further chunk
        assertEquals(1, again.duplicates());
        assertEquals(1, again.inserted());
        assertExact("x6", 1, 6, 0.6, 1);
    }

    @Test
    void aKilledFoldWhoseEventReachedTwoOfItsWritesIsCountedOnce() {
        TrackedEvent event = usageEvent("t-1", "x7", 9, 0.9);
        Rollups.Writes fold = rollups.begin();
        BulkWriter writer = new BulkWriter(store);
        assertEquals(1, fold.write(writer, List.of(event), 10).inserted());
        // sent twice, in messages of two rounds of one flush: the second write finds it stored
        assertEquals(1, fold.write(writer, List.of(event), 10).duplicates());
        rollups.probe(at -> {
            if (at.equals("claimed")) {
                throw new Killed(at);
            }
        });
        assertThrows(Killed.class, fold::finish);
        rollups.probe(null);

        flush(); // takes over the dead fold, reading its events back from the journal
        assertExact("x7", 1, 9, 0.9, 0);
    }

    @Test
    void aFoldWhoseCountingThreadStoppedCountsWhatMongoDbHolds() {
        // a Rollups of its own, so that stopping its counting thread (as at shutdown) leaves the bean as it is
        Rollups stopping = new Rollups(collections, config, clock, usersChanged, registry);
        stopping.stop();
        Rollups.Writes fold = stopping.begin();
        assertEquals(1, fold.write(new BulkWriter(store), List.of(usageEvent("s-1", "x8", 8, 0.8)), 10).inserted());
        fold.finish(); // the written event was never added to the fold's deltas: it is read back from MongoDB

        assertExact("x8", 1, 8, 0.8, 0);
    }

    @ParameterizedTest
    @FieldSource("STEPS")
    void aFoldKilledAfterAnyStepIsTakenOverAndCountsOnce(String step) throws Exception {
        usage("k-1", "x3", 1, "0.01");
        usage("k-2", "x3", 2, "0.02");
        track("k-3", "x3");
        rollups.probe(at -> {
            if (at.equals(step)) {
                throw new Killed(at);
            }
        });
        assertThrows(Killed.class, this::flush);
        rollups.probe(null);

        flush(); // takes over the dead fold
        Thread.sleep(2_300); // the messages of the dead flush come back: duplicates now
        flush();
        assertExact("x3", 2, 3, 0.03, 1);
    }

    @ParameterizedTest
    @FieldSource("STEPS")
    void aFoldThatLosesMongoDbAfterAnyStepIsFinishedByTheNextFlush(String step) {
        usage("m-1", "x4", 4, "1.5");
        track("m-2", "x4");
        rollups.probe(at -> {
            if (at.equals(step)) {
                SluiceTestServers.mongoProxy().down();
            }
        });
        flush(); // the fold fails; the events are stored, so their messages are deleted
        rollups.probe(null);
        SluiceTestServers.mongoProxy().up();
        assertEquals(0, depth(config.queue().url()));

        flush();
        assertExact("x4", 1, 4, 1.5, 1);
    }

    @Test
    void reconciliationReportsADifference() {
        usage("r-1", "x5", 3, "0.5");
        flush();
        assertTrue(reconciler.reconcile("x5").exact());
        mongo().getCollection(config.mongo().userDailyCollection()).updateOne(new Document("userId", "x5"),
                new Document("$inc", new Document("totals.requests", 1)));
        ReconcileReport report = given().queryParam("userId", "x5").post("/internal/rollups/reconcile")
                .then().statusCode(200).extract().as(ReconcileReport.class);
        assertFalse(report.exact());
        assertTrue(report.differences().contains(new ReconcileReport.Difference(
                "day " + LocalDate.ofInstant(Instant.now(), ZoneOffset.UTC), "totals.requests", 2, 1)),
                report.differences().toString());
        assertTrue(report.differences().contains(new ReconcileReport.Difference(
                "totals vs days", "totals.requests", 1, 2)), report.differences().toString());
    }
}

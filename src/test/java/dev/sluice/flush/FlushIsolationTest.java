package dev.sluice.flush;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jakarta.inject.Inject;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;
import dev.sluice.queue.EventQueue;
import dev.sluice.queue.MessageCodec;
import dev.sluice.queue.SqsEventQueue;
import dev.sluice.rollup.Rollups;
import dev.sluice.store.BulkWriter;
import dev.sluice.store.EventStore;
import dev.sluice.testing.FaultyStore;
import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * An event MongoDB can never store as it is never holds up the others: mixed into messages with valid events of other
 * users, it is dead-lettered alone, with a reason naming it and the rule, and every other event of the same messages
 * is stored in that same flush. A replay of the dead-letter queue brings it back alone, and it goes back alone.
 *
 * <p>Ingest accepts none of these (the same rules refuse them at the door, {@code RejectionTest}); they reach the
 * queue another way: a dead letter replayed from an older version, a message written by another producer. A refusal
 * for content that the stand-in MongoDB does not make (a schema validator's) is played by {@link FaultyStore}.
 */
@QuarkusTest
class FlushIsolationTest extends PipelineTest {

    @Inject
    EventQueue queue;
    @Inject
    EventStore store;
    @Inject
    MessageCodec codec;
    @Inject
    Rollups rollups;
    @Inject
    FlushMetrics metrics;
    @Inject
    ObjectMapper mapper;

    private Flusher flusherWith(FaultyStore faultyStore) {
        return new Flusher(queue, codec, new BulkWriter(faultyStore), faultyStore, rollups, metrics, config);
    }

    private TrackedEvent event(String id, String user, String timestamp) {
        ObjectNode doc = mapper.createObjectNode().put("userId", user).put("model", "m").put("inputTokens", 1)
                .put("outputTokens", 1).put("timestamp", timestamp).put("receivedAt", Instant.now().toString());
        return new TrackedEvent(id, EventKind.AI_USAGE, user, doc);
    }

    private TrackedEvent valid(String id, String user) {
        return event(id, user, Instant.now().toString());
    }

    /** An event whose metadata nests {@code levels} objects deep. */
    private TrackedEvent nested(String id, String user, int levels) {
        TrackedEvent e = valid(id, user);
        ObjectNode inner = e.doc().putObject("metadata");
        for (int i = 1; i < levels; i++) {
            inner = inner.putObject("n");
        }
        return e;
    }

    @Test
    void eachUnstorableEventIsDeadLetteredAloneAndTheRestIsStoredInTheSameFlush() {
        List<TrackedEvent> bad = List.of(
                event("bad-past", "mallory", "-300000000-01-01T00:00:00Z"),
                event("bad-future", "mallory", "+300000000-01-01T00:00:00Z"),
                nested("bad-deep", "mallory", 120),
                valid("bad-refused", "mallory"));
        FaultyStore faultyStore = new FaultyStore(store);
        faultyStore.refuseContent = Map.of("bad-refused", "121 Document failed validation");
        Flusher faulty = flusherWith(faultyStore);

        // three messages, each with valid events of other users around bad ones; a fourth with valid events alone
        List<TrackedEvent> first = List.of(valid("a-1", "alice"), bad.get(0), valid("b-1", "bob"), bad.get(1));
        List<TrackedEvent> second = List.of(bad.get(2), valid("a-2", "alice"), nested("c-deep-ok", "carol", 90));
        List<TrackedEvent> third = List.of(valid("b-2", "bob"), bad.get(3), valid("c-1", "carol"));
        List<TrackedEvent> fourth = List.of(valid("a-3", "alice"), valid("b-3", "bob"));
        for (List<TrackedEvent> message : List.of(first, second, third, fourth)) {
            queue.send(codec.pack(message));
        }

        FlushReport report = faulty.flush();
        assertEquals(4, report.messages());
        assertEquals(8, report.inserted(), "every valid event, in this flush");
        assertEquals(4, report.rejected());
        assertEquals(0, report.failed());
        assertEquals(4, report.deleted(), "every message is done: stored or dead-lettered");
        assertEquals(FlushReport.Stop.QUEUE_EMPTY, report.stop());
        assertEquals(0, depth(config.queue().url()));
        Set<String> stored = new TreeSet<>();
        aiUsage().find().forEach(d -> stored.add(d.get("_id", Document.class).getString("id")));
        assertEquals(new TreeSet<>(List.of("a-1", "a-2", "a-3", "b-1", "b-2", "b-3", "c-1", "c-deep-ok")), stored);

        List<Message> dead = peek(config.queue().dlqUrl());
        assertEquals(4, dead.size(), "one dead letter per unstorable event");
        Set<String> deadIds = new TreeSet<>();
        for (Message m : dead) {
            List<TrackedEvent> events = codec.unpack(m.body());
            assertEquals(1, events.size(), "alone");
            String id = events.get(0).id();
            deadIds.add(id);
            String reason = m.messageAttributes().get(SqsEventQueue.DLQ_REASON).stringValue();
            assertTrue(reason.startsWith("v2:rejected:ai_usage event " + id + " of user mallory: "), reason);
        }
        assertEquals(new TreeSet<>(List.of("bad-past", "bad-future", "bad-deep", "bad-refused")), deadIds);
        assertTrue(reasonOf(dead, "bad-deep").contains("100 levels"), reasonOf(dead, "bad-deep"));
        assertTrue(reasonOf(dead, "bad-past").contains("outside the dates MongoDB stores"),
                reasonOf(dead, "bad-past"));
        assertTrue(reasonOf(dead, "bad-refused").contains("Document failed validation"),
                reasonOf(dead, "bad-refused"));

        // replayed, they come back alone, go back alone, and never stop a flush of other users' events; the peek above
        // hid the dead letters for a second, so the replay takes them as they come back into view
        int replayed = 0;
        for (long deadline = System.nanoTime() + 10_000_000_000L; replayed < 4 && System.nanoTime() < deadline; ) {
            replayed += queue.replayDeadLetters(100);
        }
        assertEquals(4, replayed);
        queue.send(codec.pack(List.of(valid("d-1", "dave"))));
        FlushReport again = faulty.flush();
        assertEquals(1, again.inserted());
        assertEquals(4, again.rejected());
        assertEquals(0, again.failed());
        assertEquals(0, depth(config.queue().url()));
        assertEquals(4, depth(config.queue().dlqUrl()));
        assertEquals(9, aiUsage().countDocuments());
    }

    /**
     * A message that stays queued anyway (another of its events failed for a reason outside it, MongoDB over its
     * quota, say) keeps its unstorable event too: that is dead-lettered once, by the flush that deletes the message,
     * not at every redelivery.
     */
    @Test
    void anUnstorableEventOfAMessageThatStaysQueuedIsDeadLetteredOnceWhenTheMessageIsDone() throws Exception {
        FaultyStore faultyStore = new FaultyStore(store);
        faultyStore.rejectIds = Set.of("later-1");
        Flusher faulty = flusherWith(faultyStore);
        queue.send(codec.pack(List.of(valid("later-1", "alice"),
                event("bad-1", "mallory", "+300000000-01-01T00:00:00Z"), valid("fine-1", "bob"))));

        FlushReport first = faulty.flush();
        assertEquals(1, first.failed());
        assertEquals(0, first.rejected(), "kept with its message");
        assertEquals(0, first.deleted());
        assertEquals(0, depth(config.queue().dlqUrl()));

        faultyStore.rejectIds = Set.of(); // the cause is gone
        Thread.sleep(2_300); // the visibility timeout of the tests
        FlushReport second = faulty.flush();
        assertEquals(1, second.inserted());
        assertEquals(1, second.duplicates());
        assertEquals(1, second.rejected());
        assertEquals(1, second.deleted());
        assertEquals(1, depth(config.queue().dlqUrl()));
        assertEquals(0, depth(config.queue().url()));
    }

    private static String reasonOf(List<Message> dead, String id) {
        return dead.stream().map(m -> m.messageAttributes().get(SqsEventQueue.DLQ_REASON).stringValue())
                .filter(r -> r.contains(" " + id + " ")).findFirst().orElse("");
    }
}

package dev.sluice.testing;

import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.bson.types.ObjectId;

import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;
import dev.sluice.store.EventStore;
import dev.sluice.store.InsertResult;
import dev.sluice.store.PreparedChunk;

/**
 * The real store, with faults a MongoDB server cannot be made to produce on demand: rejecting particular documents
 * (as a schema validator would), and holding a write so a test can act while a flush is in the middle of it.
 */
public class FaultyStore implements EventStore {

    private final EventStore real;
    /** Events not stored for a reason outside them (as MongoDB over its quota): a later write stores them. */
    public volatile Set<String> rejectIds = Set.of();
    /** Events MongoDB refuses for their content (as a schema validator would), with the refusal. */
    public volatile Map<String, String> refuseContent = Map.of();
    public volatile CountDownLatch holdInsert;
    public volatile Runnable beforeInsert = () -> { };
    /** Stores the events, then answers as if MongoDB had become unreachable: the writer cannot know what is stored. */
    public volatile boolean loseAnswer;
    public final CountDownLatch insertStarted = new CountDownLatch(1);

    public FaultyStore(EventStore real) {
        this.real = real;
    }

    @Override
    public PreparedChunk prepare(EventKind kind, List<TrackedEvent> events, ObjectId fold) {
        return real.prepare(kind, events, fold);
    }

    @Override
    public InsertResult insert(PreparedChunk chunk) {
        EventKind kind = chunk.kind();
        List<TrackedEvent> events = chunk.events();
        insertStarted.countDown();
        beforeInsert.run();
        if (holdInsert != null) {
            try {
                holdInsert.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<TrackedEvent> accepted = events.stream()
                .filter(e -> !rejectIds.contains(e.id()) && !refuseContent.containsKey(e.id())).toList();
        InsertResult result = accepted.size() == events.size() ? real.insert(chunk)
                : real.insert(kind, accepted, chunk.fold());
        if (loseAnswer) {
            return InsertResult.allFailed(events.size(), Map.of());
        }
        BitSet failed = new BitSet(events.size());
        Map<Integer, String> rejected = new HashMap<>();
        int a = 0;
        for (int i = 0; i < events.size(); i++) {
            String id = events.get(i).id();
            if (rejectIds.contains(id)) {
                failed.set(i);
            } else if (refuseContent.containsKey(id)) {
                rejected.put(i, refuseContent.get(id));
            } else {
                if (result.failed().get(a)) {
                    failed.set(i);
                }
                if (result.rejected().containsKey(a)) {
                    rejected.put(i, result.rejected().get(a));
                }
                a++;
            }
        }
        return new InsertResult(result.stored(), result.duplicates(), failed, rejected, result.storeUnavailable());
    }

    @Override
    public void insertOne(TrackedEvent event) {
        real.insertOne(event);
    }

    @Override
    public boolean isReachable() {
        return real.isReachable();
    }
}

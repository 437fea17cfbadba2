package dev.sluice.store;

import java.util.List;

import org.bson.types.ObjectId;

import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;

/** Where events end: MongoDB ({@link MongoEventStore}). The interface lets tests inject write faults. */
public interface EventStore {

    /**
     * Builds and encodes the documents of events of one kind, each claimed by {@code fold}
     * ({@code dev.sluice.rollup.Rollups}), which counts it. CPU only: it may run on another thread.
     */
    PreparedChunk prepare(EventKind kind, List<TrackedEvent> events, ObjectId fold);

    /** Stores a prepared chunk with an unordered bulk insert; the id of each event is its {@code _id}. */
    InsertResult insert(PreparedChunk chunk);

    /** {@link #prepare} and {@link #insert(PreparedChunk)} in one. */
    default InsertResult insert(EventKind kind, List<TrackedEvent> events, ObjectId fold) {
        return insert(prepare(kind, events, fold));
    }

    /**
     * Stores one event (the {@code direct} write mode); an id that is already stored counts as stored.
     *
     * @throws StoreUnavailableException when it could not be stored
     */
    void insertOne(TrackedEvent event);

    /** Whether MongoDB answers now; the flush checks this before it takes messages off the queue. */
    boolean isReachable();
}

package dev.sluice.store;

import java.util.List;

import org.bson.types.ObjectId;

import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;

/** Where events end: MongoDB ({@link MongoEventStore}). The interface lets tests inject write faults. */
public interface EventStore {

    /**
     * Stores events of one kind with an unordered bulk insert; the id of each event is its {@code _id}, and each is
     * stored claimed by {@code fold} ({@code dev.sluice.rollup.Rollups}), which counts it.
     */
    InsertResult insert(EventKind kind, List<TrackedEvent> events, ObjectId fold);

    /**
     * Stores one event (the {@code direct} write mode); an id that is already stored counts as stored.
     *
     * @throws StoreUnavailableException when it could not be stored
     */
    void insertOne(TrackedEvent event);

    /** Whether MongoDB answers now; the flush checks this before it takes messages off the queue. */
    boolean isReachable();
}

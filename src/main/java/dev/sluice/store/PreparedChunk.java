package dev.sluice.store;

import java.util.List;
import java.util.Map;

import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.ObjectId;

import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;

/**
 * Events of one kind made ready for {@link EventStore#insert(PreparedChunk)}: their documents built and encoded to
 * BSON. That is the part of a write that needs no MongoDB, so a writer prepares the next chunk while this one is
 * inserted ({@link BulkWriter}). An event whose document cannot be stored, whatever MongoDB's state, is left out
 * with the reason.
 *
 * @param documents the documents of the storable events, in their order
 * @param encoded the same documents as BSON, what the insert sends
 * @param positions for each document, the position of its event in {@code events}
 * @param unstorable the positions in {@code events} of the events left out, with why
 */
public record PreparedChunk(EventKind kind, List<TrackedEvent> events, ObjectId fold, List<Document> documents,
        List<RawBsonDocument> encoded, int[] positions, Map<Integer, String> unstorable) {
}

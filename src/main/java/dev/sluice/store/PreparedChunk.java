package dev.sluice.store;

import java.util.List;

import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.ObjectId;

import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;

/**
 * Events of one kind made ready for {@link EventStore#insert(PreparedChunk)}: their documents built and encoded to
 * BSON. That is the part of a write that needs no MongoDB, so a writer prepares the next chunk while this one is
 * inserted ({@link BulkWriter}).
 *
 * @param documents the documents, in the order of {@code events}
 * @param encoded the same documents as BSON, what the insert sends
 */
public record PreparedChunk(EventKind kind, List<TrackedEvent> events, ObjectId fold, List<Document> documents,
        List<RawBsonDocument> encoded) {
}

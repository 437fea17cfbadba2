package dev.sluice.store;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.ObjectId;
import org.jboss.logging.Logger;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;

import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;

/** {@link EventStore} on MongoDB. */
@ApplicationScoped
public class MongoEventStore implements EventStore {

    private static final Logger LOG = Logger.getLogger(MongoEventStore.class);

    private final SluiceCollections collections;

    public MongoEventStore(SluiceCollections collections) {
        this.collections = collections;
    }

    /**
     * Write errors that say nothing about the document: MongoDB over its storage quota (Atlas answers 8000), not the
     * primary, shutting down, interrupted, out of time, a write conflict. The event is stored by a later write. Every
     * other write error (but a duplicate key) is about the document itself, which MongoDB will refuse every time.
     */
    static final Set<Integer> NOT_ABOUT_THE_DOCUMENT = Set.of(6, 7, 50, 89, 91, 112, 189, 262, 8000, 9001, 10107,
            11600, 11601, 11602, 13435, 13436);

    @Override
    public PreparedChunk prepare(EventKind kind, List<TrackedEvent> events, ObjectId fold) {
        List<Document> docs = new ArrayList<>(events.size());
        List<RawBsonDocument> encoded = new ArrayList<>(events.size());
        int[] positions = new int[events.size()];
        Map<Integer, String> unstorable = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            try {
                Document doc = EventDocuments.toDocument(events.get(i), fold);
                encoded.add(EventDocuments.encode(doc));
                positions[docs.size()] = i;
                docs.add(doc);
            } catch (RuntimeException e) { // its own content: no write could store it
                unstorable.put(i, "cannot be stored: " + e.getMessage());
            }
        }
        return new PreparedChunk(kind, events, fold, docs, encoded, positions, unstorable);
    }

    @Override
    public InsertResult insert(PreparedChunk chunk) {
        EventKind kind = chunk.kind();
        List<Document> docs = chunk.documents();
        int size = chunk.events().size();
        Map<Integer, String> rejected = new HashMap<>(chunk.unstorable());
        if (docs.isEmpty()) {
            return new InsertResult(List.of(), 0, new BitSet(), rejected, false);
        }
        try {
            collections.events(kind).withDocumentClass(RawBsonDocument.class)
                    .insertMany(chunk.encoded(), new InsertManyOptions().ordered(false));
            return new InsertResult(docs, 0, new BitSet(), rejected, false);
        } catch (MongoBulkWriteException e) {
            // The index of each error is the position of the document in docs. The inserted count the server
            // reports is not used: some servers (mongo-java-server) report it wrong after errors.
            BitSet duplicates = new BitSet(docs.size());
            BitSet failed = new BitSet(size);
            for (BulkWriteError error : e.getWriteErrors()) {
                int event = chunk.positions()[error.getIndex()];
                if (ErrorCategory.fromErrorCode(error.getCode()) == ErrorCategory.DUPLICATE_KEY) {
                    duplicates.set(error.getIndex());
                } else if (NOT_ABOUT_THE_DOCUMENT.contains(error.getCode())
                        || ErrorCategory.fromErrorCode(error.getCode()) == ErrorCategory.EXECUTION_TIMEOUT) {
                    failed.set(event);
                } else {
                    rejected.put(event, "MongoDB refused it: " + error.getCode() + " " + error.getMessage());
                }
            }
            if (!duplicates.isEmpty() && !recordResends(kind, duplicates.stream().mapToObj(docs::get).toList())) {
                // not recorded: the duplicates count as not stored, so their messages come back and try again
                duplicates.stream().forEach(d -> failed.set(chunk.positions()[d]));
                duplicates.clear();
            }
            if (failed.cardinality() + rejected.size() > 0) {
                LOG.warnf("%d of %d %s events not stored (%d refused for their content), first: %s",
                        failed.cardinality() + rejected.size(), size, kind.wireName(), rejected.size(),
                        e.getWriteErrors().get(0).getMessage());
            }
            BitSet written = new BitSet(docs.size());
            e.getWriteErrors().forEach(error -> written.set(error.getIndex()));
            List<Document> stored = new ArrayList<>(docs.size() - written.cardinality());
            for (int i = written.nextClearBit(0); i < docs.size(); i = written.nextClearBit(i + 1)) {
                stored.add(docs.get(i));
            }
            return new InsertResult(stored, duplicates.cardinality(), failed, rejected, false);
        } catch (MongoException e) {
            LOG.warnf("MongoDB unavailable, %d %s events not stored: %s", docs.size(), kind.wireName(),
                    e.getMessage());
            return InsertResult.allFailed(size, rejected);
        }
    }

    @Override
    public void insertOne(TrackedEvent event) {
        try {
            collections.events(event.kind()).insertOne(EventDocuments.toDocument(event));
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw new StoreUnavailableException("MongoDB rejected event " + event.id(), e);
            }
            if (!recordResends(event.kind(), List.of(EventDocuments.toDocument(event)))) {
                throw new StoreUnavailableException("MongoDB unavailable recording a resend of " + event.id(), e);
            }
        } catch (MongoException e) {
            throw new StoreUnavailableException("MongoDB unavailable: " + e.getMessage(), e);
        }
    }

    /**
     * Tells client resends from redeliveries among events whose id was already stored, for the loss check: a
     * redelivered message carries the very event that was stored (same {@code receivedAt}); a client that sent an id
     * again made a new call, accepted and counted again by ingest. Each resend is recorded once ({@code _id} is the
     * stored event's {@code _id} and the resend's {@code receivedAt}), so a redelivery of the resend records nothing
     * more.
     *
     * @return false when MongoDB could not be asked or written
     */
    private boolean recordResends(EventKind kind, List<Document> duplicates) {
        try {
            Map<Object, Object> storedAt = new HashMap<>();
            collections.events(kind).find(Filters.in("_id", duplicates.stream().map(d -> d.get("_id")).toList()))
                    .projection(Projections.include("receivedAt"))
                    .forEach(d -> storedAt.put(d.get("_id"), d.get("receivedAt")));
            List<Document> resends = new ArrayList<>();
            for (Document duplicate : duplicates) {
                Object receivedAt = duplicate.get("receivedAt");
                if (!Objects.equals(storedAt.get(duplicate.get("_id")), receivedAt)) {
                    resends.add(new Document("_id", new Document("event", duplicate.get("_id"))
                            .append("at", ((Date) receivedAt).getTime()))
                            .append("kind", kind.wireName()).append("receivedAt", receivedAt));
                }
            }
            if (!resends.isEmpty()) {
                try {
                    collections.resent().insertMany(resends, new InsertManyOptions().ordered(false));
                } catch (MongoBulkWriteException e) {
                    if (e.getWriteErrors().stream().anyMatch(
                            w -> ErrorCategory.fromErrorCode(w.getCode()) != ErrorCategory.DUPLICATE_KEY)) {
                        return false;
                    }
                }
            }
            return true;
        } catch (MongoException e) {
            LOG.warnf("resends of %d duplicate events not checked: %s", duplicates.size(), e.getMessage());
            return false;
        }
    }

    @Override
    public boolean isReachable() {
        try {
            collections.database().runCommand(new Document("ping", 1));
            return true;
        } catch (MongoException e) {
            return false;
        }
    }
}

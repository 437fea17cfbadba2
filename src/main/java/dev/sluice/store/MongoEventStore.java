package dev.sluice.store;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.bson.Document;
import org.jboss.logging.Logger;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.model.InsertManyOptions;

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

    @Override
    public InsertResult insert(EventKind kind, List<TrackedEvent> events) {
        if (events.isEmpty()) {
            return new InsertResult(0, 0, new BitSet(), false);
        }
        List<Document> docs = new ArrayList<>(events.size());
        for (TrackedEvent event : events) {
            docs.add(EventDocuments.toDocument(event));
        }
        try {
            collections.events(kind).insertMany(docs, new InsertManyOptions().ordered(false));
            return new InsertResult(docs.size(), 0, new BitSet(), false);
        } catch (MongoBulkWriteException e) {
            // The index of each error is the position of the document in docs. The inserted count the server
            // reports is not used: some servers (mongo-java-server) report it wrong after errors.
            int duplicates = 0;
            BitSet failed = new BitSet(docs.size());
            for (BulkWriteError error : e.getWriteErrors()) {
                if (ErrorCategory.fromErrorCode(error.getCode()) == ErrorCategory.DUPLICATE_KEY) {
                    duplicates++;
                } else {
                    failed.set(error.getIndex());
                }
            }
            if (failed.cardinality() > 0) {
                LOG.warnf("%d of %d %s events rejected by MongoDB, first: %s", failed.cardinality(), docs.size(),
                        kind.wireName(), e.getWriteErrors().get(0).getMessage());
            }
            return new InsertResult(docs.size() - e.getWriteErrors().size(), duplicates, failed, false);
        } catch (MongoException e) {
            LOG.warnf("MongoDB unavailable, %d %s events not stored: %s", docs.size(), kind.wireName(),
                    e.getMessage());
            return InsertResult.allFailed(docs.size());
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
        } catch (MongoException e) {
            throw new StoreUnavailableException("MongoDB unavailable: " + e.getMessage(), e);
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

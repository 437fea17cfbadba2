package dev.sluice.store;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.bson.Document;
import org.jboss.logging.Logger;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertManyOptions;

import dev.sluice.config.Role;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.WriteMode;
import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;

/**
 * {@link EventStore} on MongoDB. The client is created on first use, never at start-up, and never in the ingest role
 * in {@code queue} write mode: every MongoDB client holds a pool plus monitoring connections, and the ingest function
 * runs in many instances.
 */
@ApplicationScoped
public class MongoEventStore implements EventStore {

    private static final Logger LOG = Logger.getLogger(MongoEventStore.class);

    private final MongoDatabase database;
    private final Map<EventKind, String> collectionNames = new EnumMap<>(EventKind.class);
    private final Map<EventKind, Boolean> indexed = new ConcurrentHashMap<>();

    public MongoEventStore(Instance<MongoClient> client, SluiceConfig config) {
        if (config.role() == Role.INGEST && config.writeMode() == WriteMode.QUEUE) {
            throw new IllegalStateException("the ingest role in queue write mode never opens a MongoDB connection");
        }
        this.database = client.get().getDatabase(config.mongo().database());
        collectionNames.put(EventKind.AI_USAGE, config.mongo().aiUsageCollection());
        collectionNames.put(EventKind.ANALYTICS, config.mongo().analyticsCollection());
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
            collection(kind).insertMany(docs, new InsertManyOptions().ordered(false));
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
            collection(event.kind()).insertOne(EventDocuments.toDocument(event));
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
            database.runCommand(new Document("ping", 1));
            return true;
        } catch (MongoException e) {
            return false;
        }
    }

    /** The collection of a kind, with its {@code {userId: 1, timestamp: -1}} index created at first use. */
    MongoCollection<Document> collection(EventKind kind) {
        MongoCollection<Document> collection = database.getCollection(collectionNames.get(kind));
        if (!indexed.containsKey(kind)) {
            collection.createIndex(Indexes.compoundIndex(Indexes.ascending("userId"), Indexes.descending("timestamp")),
                    new IndexOptions().name("userId_timestamp"));
            indexed.put(kind, Boolean.TRUE);
        }
        return collection;
    }
}

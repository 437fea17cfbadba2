package dev.sluice.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.bson.Document;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

import dev.sluice.config.SluiceConfig;
import dev.sluice.event.EventKind;

/**
 * Sluice's MongoDB collections, each with its indexes created idempotently at first use. The client is created on
 * first use, never at start-up, and never in the ingest role in {@code queue} write mode: every MongoDB client holds a
 * pool plus monitoring connections, and the ingest function runs in many instances.
 *
 * <ul>
 * <li>raw events ({@code ai_usage}, {@code analytics}): {@code {userId: 1, timestamp: -1}}; a TTL index on
 * {@code receivedAt} ({@code sluice.mongo.retention}); sparse indexes on the fold markers {@code _p} and {@code _f},
 * which only events not yet counted in the rollups carry, so they stay tiny;</li>
 * <li>{@code user_daily}: {@code {userId: 1, day: -1}} for a user's last 31 days, {@code {day: 1}} for active
 * users;</li>
 * <li>{@code user_totals}, {@code platform_daily}: read by {@code _id} only.</li>
 * </ul>
 */
@ApplicationScoped
public class SluiceCollections {

    private final Instance<MongoClient> client;
    private final SluiceConfig config;
    private final Map<String, Boolean> indexed = new ConcurrentHashMap<>();
    private volatile MongoDatabase database;

    public SluiceCollections(Instance<MongoClient> client, SluiceConfig config) {
        this.client = client;
        this.config = config;
    }

    public MongoDatabase database() {
        if (database == null) {
            if (!config.role().usesMongo(config.writeMode())) {
                throw new IllegalStateException(
                        "the ingest role in queue write mode never opens a MongoDB connection");
            }
            database = client.get().getDatabase(config.mongo().database());
        }
        return database;
    }

    public MongoCollection<Document> events(EventKind kind) {
        String name = kind == EventKind.AI_USAGE ? config.mongo().aiUsageCollection()
                : config.mongo().analyticsCollection();
        return indexed(name, c -> {
            c.createIndex(Indexes.compoundIndex(Indexes.ascending("userId"), Indexes.descending("timestamp")),
                    new IndexOptions().name("userId_timestamp"));
            c.createIndex(Indexes.ascending("receivedAt"), new IndexOptions().name("retention")
                    .expireAfter(config.mongo().retention().toSeconds(), TimeUnit.SECONDS));
            c.createIndex(Indexes.ascending(EventDocuments.PENDING), new IndexOptions().name("fold_pending")
                    .sparse(true));
            c.createIndex(Indexes.ascending(EventDocuments.FOLD), new IndexOptions().name("fold_claimed")
                    .sparse(true));
        });
    }

    public MongoCollection<Document> userDaily() {
        return indexed(config.mongo().userDailyCollection(), c -> {
            c.createIndex(Indexes.compoundIndex(Indexes.ascending("userId"), Indexes.descending("day")),
                    new IndexOptions().name("userId_day"));
            c.createIndex(Indexes.ascending("day"), new IndexOptions().name("day"));
        });
    }

    public MongoCollection<Document> userTotals() {
        return indexed(config.mongo().userTotalsCollection(), c -> {
        });
    }

    public MongoCollection<Document> platformDaily() {
        return indexed(config.mongo().platformDailyCollection(), c -> {
        });
    }

    /** Client resends of stored events, kept as long as raw events. */
    public MongoCollection<Document> resent() {
        return indexed(config.mongo().resentCollection(), c -> c.createIndex(Indexes.ascending("receivedAt"),
                new IndexOptions().name("retention").expireAfter(config.mongo().retention().toSeconds(),
                        TimeUnit.SECONDS)));
    }

    /** The journal of the folds under way: the ids of the events each wrote (see {@code Rollups}). */
    public MongoCollection<Document> foldJournal() {
        return indexed(config.mongo().foldJournalCollection(), c -> c.createIndex(Indexes.ascending("fold"),
                new IndexOptions().name("fold")));
    }

    private MongoCollection<Document> indexed(String name, Consumer<MongoCollection<Document>> indexes) {
        MongoCollection<Document> collection = database().getCollection(name);
        if (!indexed.containsKey(name)) {
            indexes.accept(collection);
            indexed.put(name, Boolean.TRUE);
        }
        return collection;
    }
}

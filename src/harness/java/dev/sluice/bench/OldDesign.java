package dev.sluice.bench;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.bson.Document;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;

/**
 * One serverless instance of the design Sluice replaces, for the connection benchmark: its own MongoDB client (every
 * instance of a function has its own pool and monitor), writing each event as it comes ({@code direct}: one
 * {@code insertOne}, what the web app did) or buffering them ({@code memory}: {@code insertMany} at 50 events or
 * every 30 s, the in-process buffer Sluice's memory mode keeps). Documents have the shape Sluice stores.
 */
final class OldDesign implements AutoCloseable {

    static final int FLUSH_AT = 50;

    private final MongoClient client;
    private final MongoCollection<Document> collection;
    private final boolean buffered;
    private final List<Document> buffer = new ArrayList<>();

    OldDesign(String uri, String database, boolean buffered) {
        this.client = MongoClients.create(uri);
        this.collection = client.getDatabase(database).getCollection("ai_usage");
        this.buffered = buffered;
    }

    /** One AI request's usage record. */
    synchronized void track(String id, String user) {
        Date now = new Date();
        Document event = new Document("_id", id).append("userId", user).append("model", "gpt-4o")
                .append("provider", "openai").append("inputTokens", 1200).append("outputTokens", 350)
                .append("costUsd", 0.0123).append("latencyMs", 812).append("feature", "chat")
                .append("timestamp", now).append("receivedAt", now);
        if (!buffered) {
            collection.insertOne(event);
            return;
        }
        buffer.add(event);
        if (buffer.size() >= FLUSH_AT) {
            write();
        }
    }

    /** The buffer's timed write (and the last one). */
    synchronized void write() {
        if (!buffer.isEmpty()) {
            List<Document> batch = new ArrayList<>(buffer);
            buffer.clear();
            collection.insertMany(batch, new InsertManyOptions().ordered(false));
        }
    }

    @Override
    public void close() {
        client.close();
    }
}

package dev.sluice.store;

import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.or;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;

import dev.sluice.event.EventKind;

/**
 * A user's stored events as MongoDB holds them, newest first: what an operator (or a developer on the local run, with
 * no MongoDB shell installed) looks at to see what a flush wrote. Served from the {@code {userId: 1, timestamp: -1}}
 * index; an analytics event without a user id is found by its {@code anonymousId}.
 */
@ApplicationScoped
public class StoredEvents {

    /** MongoDB's relaxed Extended JSON: dates as {@code {"$date": "..."}}, numbers as plain numbers. */
    private static final JsonWriterSettings JSON = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    private final SluiceCollections collections;

    public StoredEvents(SluiceCollections collections) {
        this.collections = collections;
    }

    /** The newest {@code limit} events of a user and kind, as a JSON array. */
    public String newest(EventKind kind, String userId, int limit) {
        List<String> documents = new ArrayList<>();
        collections.events(kind)
                .find(kind == EventKind.AI_USAGE ? eq("userId", userId)
                        : or(eq("userId", userId), eq("anonymousId", userId)))
                .sort(Sorts.descending("timestamp")).limit(limit)
                // the fold's bookkeeping is not the event's
                .projection(Projections.exclude(EventDocuments.STORED_BY, EventDocuments.PENDING, EventDocuments.FOLD))
                .forEach(document -> documents.add(document.toJson(JSON)));
        return "[" + String.join(",", documents) + "]";
    }
}

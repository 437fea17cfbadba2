package dev.sluice.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.bson.Document;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoDatabase;

import dev.sluice.event.EventKind;
import dev.sluice.store.SluiceCollections;
import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;

/** What keeps storage bounded and reads cheap: the retention TTL index and an index behind every stats query. */
@QuarkusTest
class StatsStorageTest extends PipelineTest {

    @Inject
    SluiceCollections collections;

    @Test
    void rawEventsExpireAfterTheRetentionWhileRollupsStay() {
        for (EventKind kind : EventKind.values()) {
            Document retention = collections.events(kind).listIndexes().into(new ArrayList<>()).stream()
                    .filter(i -> "retention".equals(i.getString("name"))).findFirst().orElseThrow();
            assertEquals(new Document("receivedAt", 1), retention.get("key", Document.class));
            assertEquals(90L * 24 * 3600, ((Number) retention.get("expireAfterSeconds")).longValue());
        }
        for (var rollups : List.of(collections.userDaily(), collections.userTotals(), collections.platformDaily())) {
            assertFalse(rollups.listIndexes().into(new ArrayList<>()).stream()
                    .anyMatch(i -> i.containsKey("expireAfterSeconds")), "rollups never expire");
        }
    }

    /** Only where the server has {@code explain} (a real MongoDB; mongo-java-server has none). */
    @Test
    void noStatsQueryScansACollection() {
        MongoDatabase db = collections.database();
        Date since = Date.from(Instant.now().minus(31, ChronoUnit.DAYS));
        Map<String, Document> queries = Map.of(
                "user_totals by _id", find(collections.userTotals().getNamespace().getCollectionName(),
                        new Document("_id", "u")),
                "user_daily of a user", find(collections.userDaily().getNamespace().getCollectionName(),
                        new Document("_id", new Document("$in", List.of("2026-01-01:u", "2026-01-02:u")))),
                "user_daily of recent days", find(collections.userDaily().getNamespace().getCollectionName(),
                        new Document("day", new Document("$gte", since)).append("lastSeen",
                                new Document("$gte", since))),
                "platform_daily", find(collections.platformDaily().getNamespace().getCollectionName(),
                        new Document("_id", new Document("$gte", ""))));
        for (Map.Entry<String, Document> query : queries.entrySet()) {
            Document plan;
            try {
                plan = db.runCommand(new Document("explain", query.getValue()).append("verbosity", "queryPlanner"));
            } catch (MongoCommandException e) {
                Assumptions.abort("the server has no explain: " + e.getErrorMessage());
                return;
            }
            String winning = plan.get("queryPlanner", Document.class).get("winningPlan").toString();
            assertFalse(winning.contains("COLLSCAN"), query.getKey() + " scans: " + winning);
        }
    }

    private static Document find(String collection, Document filter) {
        return new Document("find", collection).append("filter", filter);
    }
}

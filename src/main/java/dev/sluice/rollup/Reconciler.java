package dev.sluice.rollup;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.gte;
import static com.mongodb.client.model.Filters.nin;
import static com.mongodb.client.model.Filters.or;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;

import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;

import com.mongodb.client.model.Projections;

import dev.sluice.config.SluiceConfig;
import dev.sluice.event.EventKind;
import dev.sluice.store.EventDocuments;
import dev.sluice.store.SluiceCollections;

/**
 * Recomputes a user's rollups from their raw events and reports every difference: each daily rollup within the raw
 * retention against the raw events of that day; the all-time totals against the sum of the daily rollups; and, when
 * none of the user's raw events can have expired yet, the totals, models and event names against the raw events.
 * Events not folded yet are left out on both sides.
 */
@ApplicationScoped
public class Reconciler {

    private final SluiceCollections collections;
    private final SluiceConfig config;
    private final Clock clock;

    public Reconciler(SluiceCollections collections, SluiceConfig config, Clock clock) {
        this.collections = collections;
        this.config = config;
        this.clock = clock;
    }

    public ReconcileReport reconcile(String userId) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        LocalDate from = today.minusDays(config.mongo().retention().toDays()).plusDays(1);
        Date fromDate = RollupDeltas.dayStart(from.toString());

        RollupDeltas raw = new RollupDeltas();
        long events = 0;
        List<ObjectId> unfinished = collections.foldJournal().distinct("fold", ObjectId.class)
                .into(new ArrayList<>());
        Bson folded = and(exists(EventDocuments.PENDING, false), exists(EventDocuments.FOLD, false),
                nin(EventDocuments.STORED_BY, unfinished), gte("timestamp", fromDate));
        Bson ofUser = eq("userId", userId);
        Bson anonymous = and(eq("anonymousId", userId), or(exists("userId", false), eq("userId", "")));
        for (EventKind kind : EventKind.values()) {
            Bson owner = kind == EventKind.AI_USAGE ? ofUser : or(ofUser, anonymous);
            for (Document event : collections.events(kind).find(and(owner, folded))
                    .projection(Projections.include(RollupDeltas.FIELDS))) {
                raw.add(kind, event);
                events++;
            }
        }

        List<ReconcileReport.Difference> differences = new ArrayList<>();
        Map<String, Long> daySums = new TreeMap<>();
        Map<String, Document> stored = new TreeMap<>();
        for (Document day : collections.userDaily().find(eq("userId", userId))) {
            String date = LocalDate.ofInstant(day.getDate("day").toInstant(), ZoneOffset.UTC).toString();
            flatten("totals", day.get("totals", Document.class), daySums, true);
            if (!day.getDate("day").before(fromDate)) {
                stored.put(date, day);
            }
        }
        Set<String> days = new TreeSet<>(stored.keySet());
        raw.userDaily().keySet().forEach(id -> {
            String day = id.substring(0, 10);
            if (!RollupDeltas.dayStart(day).before(fromDate)) {
                days.add(day);
            }
        });
        for (String date : days) {
            Map<String, Long> rollup = new TreeMap<>();
            Document day = stored.get(date);
            if (day != null) {
                flatten("totals", day.get("totals", Document.class), rollup, false);
                flatten("hours", day.get("hours", Document.class), rollup, false);
            }
            RollupDeltas.Delta delta = raw.userDaily().get(RollupDeltas.dailyId(userId, date));
            compare("day " + date, rollup, delta == null ? Map.of() : delta.increments(), differences);
        }

        Document totals = collections.userTotals().find(eq("_id", userId)).first();
        Map<String, Long> totalCounters = new TreeMap<>();
        if (totals != null) {
            flatten("totals", totals.get("totals", Document.class), totalCounters, false);
        }
        compare("totals vs days", totalCounters, daySums, differences);
        Date firstSeen = totals == null ? null : totals.getDate("firstSeen");
        if (firstSeen != null && !firstSeen.before(fromDate)) {
            Map<String, Long> all = new TreeMap<>(totalCounters);
            flatten("models", totals.get("models", Document.class), all, false);
            flatten("events", totals.get("events", Document.class), all, false);
            RollupDeltas.Delta delta = raw.userTotals().get(userId);
            compare("totals", all, delta == null ? Map.of() : delta.increments(), differences);
        }
        return new ReconcileReport(userId, from.toString(), events, days.size(), differences,
                differences.isEmpty());
    }

    /** Adds the numbers of a nested document under their dotted paths (summing when {@code sum}). */
    private static void flatten(String prefix, Document doc, Map<String, Long> into, boolean sum) {
        if (doc == null) {
            return;
        }
        doc.forEach((name, value) -> {
            String path = prefix + "." + name;
            if (value instanceof Document nested) {
                flatten(path, nested, into, sum);
            } else if (value instanceof Number n) {
                into.merge(path, n.longValue(), sum ? Long::sum : (a, b) -> b);
            }
        });
    }

    private static void compare(String scope, Map<String, Long> rollup, Map<String, Long> recomputed,
            List<ReconcileReport.Difference> into) {
        Set<String> fields = new TreeSet<>(rollup.keySet());
        fields.addAll(recomputed.keySet());
        for (String field : fields) {
            long a = rollup.getOrDefault(field, 0L);
            long b = recomputed.getOrDefault(field, 0L);
            if (a != b) {
                into.add(new ReconcileReport.Difference(scope, field, a, b));
            }
        }
    }
}

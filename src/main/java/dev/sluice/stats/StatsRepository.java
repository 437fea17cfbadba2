package dev.sluice.stats;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gte;
import static com.mongodb.client.model.Filters.in;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.bson.Document;

import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Projections;

import dev.sluice.config.SluiceConfig;
import dev.sluice.rollup.Counters;
import dev.sluice.rollup.RollupDeltas;
import dev.sluice.store.EventDocuments;
import dev.sluice.store.SluiceCollections;

/**
 * Reads stats from the rollups, never from raw events: a user's stats are one {@code user_totals} document and at
 * most 31 {@code user_daily} documents, whatever the number of events behind them.
 */
@ApplicationScoped
public class StatsRepository {

    static final int DAYS = 30;

    private final SluiceCollections collections;
    private final SluiceConfig.Stats config;
    private final Clock clock;
    private final AtomicLong queries = new AtomicLong();

    public StatsRepository(SluiceCollections collections, SluiceConfig config, Clock clock) {
        this.collections = collections;
        this.config = config.stats();
        this.clock = clock;
    }

    /** Stats computed from MongoDB so far (a cache miss or bypass each). */
    public long queries() {
        return queries.get();
    }

    public UserStats userStats(String userId) {
        queries.incrementAndGet();
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        LocalDate from = today.minusDays(DAYS);
        Document totals = collections.userTotals().find(eq("_id", userId))
                .projection(Projections.exclude("folds")).first();
        List<String> ids = new ArrayList<>(DAYS + 1);
        for (LocalDate date = from; !date.isAfter(today); date = date.plusDays(1)) {
            ids.add(RollupDeltas.dailyId(userId, date.toString()));
        }
        // 31 point reads on _id, whatever the user's history
        List<Document> days = collections.userDaily().find(in("_id", ids))
                .projection(Projections.include("day", "totals", "hours")).into(new ArrayList<>());

        Instant hour = now.truncatedTo(ChronoUnit.HOURS);
        Windows windows = new Windows(hour);
        Map<LocalDate, Document> byDay = new HashMap<>();
        for (Document day : days) {
            LocalDate date = LocalDate.ofInstant(day.getDate("day").toInstant(), ZoneOffset.UTC);
            byDay.put(date, day.get("totals", Document.class));
            Document hours = day.get("hours", Document.class);
            if (hours != null) {
                hours.forEach((hh, counters) -> windows.add(
                        start(date).toInstant().plus(Duration.ofHours(Integer.parseInt(hh))), (Document) counters));
            }
        }
        List<DailyUsage> daily = new ArrayList<>(DAYS);
        for (LocalDate date = today.minusDays(DAYS - 1); !date.isAfter(today); date = date.plusDays(1)) {
            daily.add(day(date, byDay.get(date), null));
        }
        if (totals == null) {
            return new UserStats(userId, now, usage((Document) null), List.of(), windows.result(), daily, List.of(), null, null);
        }
        List<EventCount> events = new ArrayList<>();
        Document names = totals.get("events", Document.class);
        if (names != null) {
            names.forEach((name, count) -> events.add(
                    new EventCount(EventDocuments.unescape(name), ((Number) count).longValue())));
        }
        events.sort(Comparator.comparingLong(EventCount::count).reversed().thenComparing(EventCount::event));
        return new UserStats(userId, now, usage(totals.get("totals", Document.class)),
                models(totals.get("models", Document.class), Integer.MAX_VALUE), windows.result(), daily,
                List.copyOf(events.subList(0, Math.min(config.topEvents(), events.size()))),
                instant(totals.getDate("firstSeen")), instant(totals.getDate("lastSeen")));
    }

    public PlatformStats platformStats() {
        queries.incrementAndGet();
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        LocalDate first = today.minusDays(DAYS - 1);
        long[] sums = new long[Counters.ALL.size()];
        Map<String, long[]> models = new HashMap<>();
        Map<LocalDate, Document> byDay = new HashMap<>();
        // every day there is, through the _id index (days are few: one document per day)
        for (Document day : collections.platformDaily().find(gte("_id", ""))
                .projection(Projections.exclude("folds"))) {
            Document totals = day.get("totals", Document.class);
            add(sums, totals);
            Document perModel = day.get("models", Document.class);
            if (perModel != null) {
                perModel.forEach((model, counters) -> add(
                        models.computeIfAbsent(model, m -> new long[Counters.ALL.size()]), (Document) counters));
            }
            byDay.put(LocalDate.parse(day.getString("_id")), totals);
        }
        Map<Object, Long> activePerDay = new HashMap<>();
        collections.userDaily().aggregate(List.of(
                Aggregates.match(gte("day", start(first))),
                Aggregates.group("$day", Accumulators.sum("users", 1))))
                .forEach(d -> activePerDay.put(d.get("_id"), ((Number) d.get("users")).longValue()));
        List<DailyUsage> daily = new ArrayList<>(DAYS);
        for (LocalDate date = first; !date.isAfter(today); date = date.plusDays(1)) {
            daily.add(day(date, byDay.get(date), activePerDay.getOrDefault(start(date), 0L)));
        }
        Document modelDocs = new Document();
        models.forEach((model, counters) -> {
            Document d = new Document();
            for (int i = 0; i < counters.length; i++) {
                d.put(Counters.ALL.get(i), counters[i]);
            }
            modelDocs.put(model, d);
        });
        return new PlatformStats(now, usage(sums), collections.userTotals().countDocuments(),
                new PlatformStats.ActiveUsers(activeSince(now.minus(Duration.ofHours(24))),
                        activeSince(now.minus(Duration.ofDays(7)))),
                models(modelDocs, config.topModels()), daily);
    }

    private long activeSince(Instant since) {
        LocalDate firstDay = LocalDate.ofInstant(since, ZoneOffset.UTC);
        return collections.userDaily().distinct("userId",
                and(gte("day", start(firstDay)), gte("lastSeen", Date.from(since))), String.class)
                .into(new ArrayList<>()).size();
    }

    /** Sums hourly buckets into the three windows. */
    private static final class Windows {
        private final Instant[] starts;
        private final long[][] sums = new long[3][Counters.ALL.size()];

        Windows(Instant currentHour) {
            starts = new Instant[] {currentHour.minus(Duration.ofHours(23)),
                    currentHour.minus(Duration.ofHours(7 * 24 - 1)), currentHour.minus(Duration.ofHours(30 * 24 - 1))};
        }

        void add(Instant hour, Document counters) {
            for (int w = 0; w < starts.length; w++) {
                if (!hour.isBefore(starts[w])) {
                    StatsRepository.add(sums[w], counters);
                }
            }
        }

        UserStats.Windows result() {
            return new UserStats.Windows(usage(sums[0]), usage(sums[1]), usage(sums[2]));
        }
    }

    private static void add(long[] sums, Document counters) {
        if (counters == null) {
            return;
        }
        for (int i = 0; i < sums.length; i++) {
            sums[i] += counter(counters, Counters.ALL.get(i));
        }
    }

    private static long counter(Document counters, String name) {
        Object value = counters == null ? null : counters.get(name);
        return value instanceof Number n ? n.longValue() : 0;
    }

    private static Usage usage(long[] s) {
        return new Usage(s[0], s[1], s[2], s[3], Counters.toUsd(s[4]), s[5]);
    }

    private static Usage usage(Document c) {
        return new Usage(counter(c, Counters.REQUESTS), counter(c, Counters.INPUT_TOKENS),
                counter(c, Counters.OUTPUT_TOKENS), counter(c, Counters.CACHED_TOKENS),
                Counters.toUsd(counter(c, Counters.COST_NANOS)), counter(c, Counters.ANALYTICS_EVENTS));
    }

    private static DailyUsage day(LocalDate date, Document c, Long activeUsers) {
        return new DailyUsage(date.toString(), counter(c, Counters.REQUESTS), counter(c, Counters.INPUT_TOKENS),
                counter(c, Counters.OUTPUT_TOKENS), counter(c, Counters.CACHED_TOKENS),
                Counters.toUsd(counter(c, Counters.COST_NANOS)), counter(c, Counters.ANALYTICS_EVENTS), activeUsers);
    }

    private static List<ModelUsage> models(Document models, int limit) {
        if (models == null) {
            return List.of();
        }
        List<ModelUsage> list = new ArrayList<>();
        models.forEach((model, value) -> {
            Document c = (Document) value;
            list.add(new ModelUsage(EventDocuments.unescape(model), counter(c, Counters.REQUESTS),
                    counter(c, Counters.INPUT_TOKENS), counter(c, Counters.OUTPUT_TOKENS),
                    counter(c, Counters.CACHED_TOKENS), Counters.toUsd(counter(c, Counters.COST_NANOS))));
        });
        list.sort(Comparator.comparingLong(ModelUsage::requests).reversed().thenComparing(ModelUsage::model));
        return List.copyOf(list.subList(0, Math.min(limit, list.size())));
    }

    static Date start(LocalDate day) {
        return Date.from(day.atStartOfDay(ZoneOffset.UTC).toInstant());
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }
}

package dev.sluice.bench;

import java.net.URI;
import java.net.URL;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Inject;

import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;

import dev.sluice.cache.StatsCache;
import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;
import dev.sluice.rollup.Rollups;
import dev.sluice.stats.CacheStatus;
import dev.sluice.stats.StatsRepository;
import dev.sluice.stats.StatsService;
import dev.sluice.store.EventDocuments;
import dev.sluice.store.SluiceCollections;
import dev.sluice.testing.PipelineTest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Stats reads with a large event history (issue 3): 1,000,000 raw events, one heavy user with 100,000 of them, the
 * rest over 10,000 users (Zipf); latency of cached and uncached reads against the old way (aggregating the raw events
 * of the user on every read); and the cache hit ratio under Zipf reads while the flush invalidates at 100 events/s.
 *
 * <p>The hit-ratio run is time-compressed by {@code bench.scale} (default 3): TTL, flush interval and run length
 * divided by it, read and write rates multiplied by it, which keeps every ratio that decides hits and misses.
 * Sizes: {@code -Dbench.events}, {@code -Dbench.heavy}, {@code -Dbench.users}.
 */
@QuarkusTest
@Tag("bench")
@TestProfile(StatsBench.Scaled.class)
class StatsBench extends PipelineTest {

    static final int EVENTS = Integer.getInteger("bench.events", 1_000_000);
    static final int HEAVY = Integer.getInteger("bench.heavy", 100_000);
    static final int USERS = Integer.getInteger("bench.users", 10_000);
    static final int SCALE = Integer.getInteger("bench.scale", 3);
    static final int READS_PER_SECOND = Integer.getInteger("bench.reads", 200);
    static final int WARM_UP = 3000;
    static final Duration WARM_UP_TIME = Duration.ofSeconds(20);
    static final int CACHED_READS = 5000;
    static final int WRITES_PER_SECOND = 100;
    static final Duration TTL = Duration.ofMinutes(5).dividedBy(SCALE);
    static final Duration FLUSH_EVERY = Duration.ofSeconds(30).dividedBy(SCALE);
    static final String[] MODELS = {"gpt-4.1", "gpt-4.1-mini", "claude-sonnet", "claude-haiku", "gemini-pro"};

    public static class Scaled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sluice.stats.user-ttl", TTL.toMillis() + "ms",
                    "quarkus.log.category.\"dev.sluice.flush.Flusher\".level", "WARN");
        }
    }

    @Inject
    SluiceCollections collections;
    @Inject
    Rollups rollups;
    @Inject
    StatsService stats;
    @Inject
    StatsRepository repository;
    @Inject
    StatsCache cache;
    @Inject
    ObjectMapper mapper;
    @TestHTTPResource("/")
    URL base;

    private final Zipf zipf = new Zipf(USERS, 1.0);
    private final Report report = new Report("stats", "Stats reads (issue 3)");

    @Test
    void statsReads() throws Exception {
        if (!Boolean.getBoolean("bench.skipHitRatio")) {
            hitRatio(); // first, on empty collections: it needs no history, and the stand-in server scans
        }
        resetStorage();
        load();
        System.gc(); // the load's garbage is not the reads' cost: collect it before measuring
        latencies();
        report.write();
    }

    // ---- 1,000,000 events through the real store and fold ----

    private void load() {
        SplittableRandom random = new SplittableRandom(42);
        Instant now = Instant.now();
        List<TrackedEvent> ai = new ArrayList<>();
        List<TrackedEvent> analytics = new ArrayList<>();
        long insertNanos = 0;
        long foldNanos = 0;
        long bsonBytes = 0;
        for (int i = 0; i < EVENTS; i++) {
            String user = i < HEAVY ? "heavy" : "u" + zipf.next(random);
            Instant at = now.minusSeconds(random.nextLong(90L * 24 * 3600));
            TrackedEvent event = random.nextInt(10) < 7 ? aiEvent("e" + i, user, at, now, random)
                    : analyticsEvent("e" + i, user, at, now, random);
            (event.kind() == EventKind.AI_USAGE ? ai : analytics).add(event);
            if (i % 1000 == 0) {
                // as the flush stores it, with the id of the fold that stored it
                bsonBytes += new RawBsonDocument(EventDocuments.toDocument(event, new ObjectId()), new DocumentCodec())
                        .getByteBuffer().remaining();
            }
            if ((i + 1) % 100_000 == 0 || i == EVENTS - 1) {
                long t0 = System.nanoTime();
                insert(EventKind.AI_USAGE, ai);
                insert(EventKind.ANALYTICS, analytics);
                long t1 = System.nanoTime();
                rollups.fold();
                foldNanos += System.nanoTime() - t1;
                insertNanos += t1 - t0;
                ai.clear();
                analytics.clear();
            }
        }
        double perEvent = bsonBytes / Math.ceil(EVENTS / 1000.0);
        long dailyDocs = collections.userDaily().countDocuments();
        Document heavyDay = collections.userDaily().find(Filters.eq("userId", "heavy")).first();
        long heavyDayBytes = new RawBsonDocument(heavyDay, new DocumentCodec()).getByteBuffer().remaining();
        report.line("Loaded " + EVENTS + " events (" + HEAVY + " of user `heavy`, the rest over " + USERS
                + " users, Zipf s=1, timestamps over 90 days) with unordered `insertMany` into mongo-java-server, "
                + "then folded into the rollups by the real fold, 100,000 at a time.");
        report.table(List.of("what", "value"), List.of(
                List.of("insert, events/s", String.format("%.0f", EVENTS / (insertNanos / 1e9))),
                List.of("fold into rollups, events/s", String.format("%.0f", EVENTS / (foldNanos / 1e9))),
                List.of("raw event, BSON bytes (mean)", String.format("%.0f", perEvent)),
                List.of("user_daily documents", Long.toString(dailyDocs)),
                List.of("user_daily document of the heavy user, BSON bytes", Long.toString(heavyDayBytes)),
                List.of("raw events in 512 MB at 2x BSON size (indexes, padding)",
                        String.format("%,.0f", 512.0 * 1024 * 1024 / (2 * perEvent)))));
    }

    private TrackedEvent aiEvent(String id, String user, Instant at, Instant now, SplittableRandom random) {
        ObjectNode doc = mapper.createObjectNode();
        doc.put("userId", user);
        doc.put("model", MODELS[random.nextInt(MODELS.length)]);
        doc.put("provider", "openai");
        doc.put("inputTokens", random.nextInt(4000));
        doc.put("outputTokens", random.nextInt(1000));
        doc.put("costUsd", random.nextInt(100_000) / 1e6);
        doc.put("feature", "chat");
        doc.put("timestamp", at.toString());
        doc.put("receivedAt", now.toString());
        return new TrackedEvent(id, EventKind.AI_USAGE, user, doc);
    }

    private TrackedEvent analyticsEvent(String id, String user, Instant at, Instant now, SplittableRandom random) {
        ObjectNode doc = mapper.createObjectNode();
        doc.put("type", "track");
        doc.put("userId", user);
        doc.put("event", "Event " + random.nextInt(30));
        doc.putObject("properties").put("path", "/p/" + random.nextInt(100));
        doc.put("timestamp", at.toString());
        doc.put("receivedAt", now.toString());
        return new TrackedEvent(id, EventKind.ANALYTICS, user, doc);
    }

    private void insert(EventKind kind, List<TrackedEvent> events) {
        for (int from = 0; from < events.size(); from += 10_000) {
            List<Document> docs = new ArrayList<>();
            events.subList(from, Math.min(events.size(), from + 10_000))
                    .forEach(e -> docs.add(EventDocuments.toDocument(e)));
            collections.events(kind).insertMany(docs);
        }
    }

    // ---- latency: cached, uncached, and the old way ----

    private void latencies() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        Map<CacheStatus, Integer> seen = new EnumMap<>(CacheStatus.class);
        // steady state: the HTTP, Redis and MongoDB paths compiled by the JIT, and the database server done with the
        // load's aftermath (its collector works through a million new documents), before anything is measured
        long warmUntil = System.nanoTime() + WARM_UP_TIME.toNanos();
        for (int i = 0; i < WARM_UP || System.nanoTime() < warmUntil; i++) {
            get("heavy");
            stats.user("heavy");
            if (i % 20 == 0) {
                drop("heavy");
            }
        }
        Latencies cachedHeavy = new Latencies();
        for (int i = 0; i < CACHED_READS; i++) {
            long t = System.nanoTime();
            CacheStatus s = get("heavy");
            cachedHeavy.add(System.nanoTime() - t);
            seen.merge(s, 1, Integer::sum);
        }
        Latencies cachedService = new Latencies();
        for (int i = 0; i < CACHED_READS; i++) {
            long t = System.nanoTime();
            seen.merge(stats.user("heavy").cache(), 1, Integer::sum);
            cachedService.add(System.nanoTime() - t);
        }
        Latencies uncachedHeavy = new Latencies();
        Latencies uncachedOthers = new Latencies();
        for (int i = 0; i < 300; i++) {
            drop("heavy");
            long t = System.nanoTime();
            seen.merge(get("heavy"), 1, Integer::sum);
            uncachedHeavy.add(System.nanoTime() - t);
            String user = "u" + zipf.next(random);
            drop(user);
            t = System.nanoTime();
            seen.merge(get(user), 1, Integer::sum);
            uncachedOthers.add(System.nanoTime() - t);
        }
        Latencies rollupRead = new Latencies();
        for (int i = 0; i < 300; i++) {
            long t = System.nanoTime();
            repository.userStats("heavy");
            rollupRead.add(System.nanoTime() - t);
        }
        Latencies rawAggregation = new Latencies();
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            aggregateRaw("heavy");
            rawAggregation.add(System.nanoTime() - t);
        }
        report.line("Latency of `GET /api/user-stats` over HTTP on loopback (the plain HTTP server build; Redis; "
                + "mongo-java-server in a JVM of its own), after " + WARM_UP_TIME.toSeconds() + " s of warm-up reads. "
                + "Uncached: the entry invalidated before each read (" + seen + "). The old way: the web app's "
                + "per-request aggregation of the user's raw events (per-model sums and event counts).");
        report.table(List.of("read", "n", "p50 ms", "p99 ms"), List.of(
                row("cached, heavy user", cachedHeavy),
                row("cached, heavy user, service call (no HTTP)", cachedService),
                row("uncached, heavy user (100,000 events)", uncachedHeavy),
                row("uncached, Zipf users", uncachedOthers),
                row("rollup read alone (no HTTP, no Redis), heavy user", rollupRead),
                row("old way: aggregate raw events, heavy user", rawAggregation)));
        report.line(String.format("Uncached read vs the old way, heavy user, p50: %.0fx faster. "
                + "Cached vs uncached p50: %.0fx.", rawAggregation.percentileMillis(50)
                        / uncachedHeavy.percentileMillis(50),
                uncachedHeavy.percentileMillis(50) / cachedHeavy.percentileMillis(50)));
    }

    /** Drops a user's entry without the flush's rewrite, so the next read is a miss. */
    private void drop(String user) {
        String prefix = config.stats().keyPrefix();
        cache.invalidate(List.of(prefix + "user-stats:" + user), List.of(prefix + "user-stats-version:" + user),
                java.util.Collections.singletonList(null), config.stats().userTtl());
    }

    private void aggregateRaw(String user) {
        collections.events(EventKind.AI_USAGE).aggregate(List.of(Aggregates.match(Filters.eq("userId", user)),
                Aggregates.group("$model", Accumulators.sum("requests", 1),
                        Accumulators.sum("inputTokens", "$inputTokens"),
                        Accumulators.sum("outputTokens", "$outputTokens"), Accumulators.sum("costUsd", "$costUsd"))))
                .into(new ArrayList<>());
        collections.events(EventKind.ANALYTICS).aggregate(List.of(Aggregates.match(Filters.eq("userId", user)),
                Aggregates.group("$event", Accumulators.sum("count", 1)))).into(new ArrayList<>());
    }

    private static List<String> row(String name, Latencies l) {
        return List.of(name, Integer.toString(l.count()), Report.ms(l.percentileMillis(50)),
                Report.ms(l.percentileMillis(99)));
    }

    /**
     * The test URL on the IPv4 loopback address. Requests go through {@link HttpURLConnection} (keep-alive): the JDK's
     * {@code HttpClient} added about 4 ms per 4 KB response here, more than the server's whole work on a hit.
     */
    private String base() {
        return base.toString().replace("//localhost:", "//127.0.0.1:");
    }

    private CacheStatus get(String user) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(base() + "api/user-stats?userId=" + user).toURL()
                .openConnection();
        c.setRequestProperty("Authorization", "Bearer " + dev.sluice.testing.SluiceTestServers.KEY);
        try (InputStream in = c.getInputStream()) {
            in.readAllBytes(); // read to the end, so the connection is kept alive and reused
        }
        if (c.getResponseCode() != 200) {
            throw new IllegalStateException("stats answered " + c.getResponseCode());
        }
        return CacheStatus.valueOf(c.getHeaderField("X-Cache"));
    }

    private int post(String path, String json) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(base() + path).toURL().openConnection();
        c.setRequestProperty("Authorization", "Bearer " + dev.sluice.testing.SluiceTestServers.KEY);
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = c.getOutputStream()) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }
        try (InputStream in = c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream()) {
            in.readAllBytes();
        }
        return c.getResponseCode();
    }

    // ---- hit ratio under Zipf reads while the flush invalidates ----

    private void hitRatio() throws Exception {
        int readRate = READS_PER_SECOND * SCALE;
        int writeRate = WRITES_PER_SECOND * SCALE;
        Duration warmUp = TTL;
        Duration measure = TTL.multipliedBy(2);
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        Map<CacheStatus, AtomicLong> counts = new EnumMap<>(CacheStatus.class);
        for (CacheStatus s : CacheStatus.values()) {
            counts.put(s, new AtomicLong());
        }
        AtomicLong written = new AtomicLong();
        AtomicLong flushes = new AtomicLong();
        int readers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(readers + 2);
        long start = System.nanoTime();
        for (int r = 0; r < readers; r++) {
            int seed = r;
            pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                long period = TimeUnit.SECONDS.toNanos(1) * readers / readRate;
                long next = System.nanoTime();
                while (running.get()) {
                    pace(next += period);
                    CacheStatus s = get("u" + zipf.next(random));
                    if (counting.get()) {
                        counts.get(s).incrementAndGet();
                    }
                }
                return null;
            });
        }
        pool.submit(() -> {
            SplittableRandom random = new SplittableRandom(99);
            int perBatch = writeRate / 10;
            long next = System.nanoTime();
            long id = 0;
            while (running.get()) {
                pace(next += TimeUnit.MILLISECONDS.toNanos(100));
                StringBuilder batch = new StringBuilder("{\"batch\":[");
                for (int i = 0; i < perBatch; i++) {
                    batch.append(i == 0 ? "" : ",").append("{\"eventId\":\"w").append(id++)
                            .append("\",\"userId\":\"u").append(zipf.next(random))
                            .append("\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}");
                }
                if (post("api/ai/usage", batch.append("]}").toString()) == 202) {
                    written.addAndGet(perBatch);
                }
            }
            return null;
        });
        pool.submit(() -> {
            long next = System.nanoTime();
            while (running.get()) {
                pace(next += FLUSH_EVERY.toNanos());
                flusher.flush();
                flushes.incrementAndGet();
            }
            return null;
        });
        Thread.sleep(warmUp.toMillis());
        counting.set(true);
        long measureStart = System.nanoTime();
        Thread.sleep(measure.toMillis());
        counting.set(false);
        double seconds = (System.nanoTime() - measureStart) / 1e9;
        running.set(false);
        pool.shutdown();
        pool.awaitTermination(30, TimeUnit.SECONDS);
        long hits = counts.get(CacheStatus.HIT).get();
        long misses = counts.get(CacheStatus.MISS).get();
        long bypass = counts.get(CacheStatus.BYPASS).get();
        long reads = hits + misses + bypass;
        report.line(String.format("Zipf (s=1) reads over %d users while ingest writes %d events/s (Zipf users too) "
                + "and the flush runs every %ds and invalidates the users it stored. Time compressed %dx: TTL %ds, "
                + "warm-up one TTL, measured two TTLs (%.0f s).", USERS, writeRate, FLUSH_EVERY.toSeconds(), SCALE,
                TTL.toSeconds(), seconds));
        report.table(List.of("reads/s (real time equivalent)", "writes/s (equivalent)", "reads", "HIT", "MISS",
                "BYPASS", "hit ratio"), List.of(List.of(
                        String.format("%.0f (%.0f)", reads / seconds, reads / seconds / SCALE),
                        String.format("%.0f (%.0f)", written.get() / ((System.nanoTime() - start) / 1e9),
                                written.get() / ((System.nanoTime() - start) / 1e9) / SCALE),
                        Long.toString(reads), Long.toString(hits), Long.toString(misses), Long.toString(bypass),
                        String.format("%.1f %%", 100.0 * hits / Math.max(1, reads)))));
    }

    private static void pace(long until) throws InterruptedException {
        long wait = until - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}

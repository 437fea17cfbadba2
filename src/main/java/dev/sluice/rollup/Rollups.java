package dev.sluice.rollup;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.in;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Filters.ne;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;
import org.jboss.logging.Logger;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.sluice.config.SluiceConfig;
import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;
import dev.sluice.store.BulkWriter;
import dev.sluice.store.EventDocuments;
import dev.sluice.store.SluiceCollections;

/**
 * Keeps the rollups that stats read, counting every stored event exactly once, through retries, duplicates and a
 * crash at any point, without transactions.
 *
 * <p>The flush and the in-memory buffer write through a fold ({@link #begin()}, {@link Writes}): before each write
 * the fold journals the ids of the events it is about to write ({@code fold_journal}), and writes them with its id in
 * {@code _s} (so the insert is the claim: an event stored twice, a redelivered message or a client retry, is a
 * duplicate key and keeps the fold that stored it first). At the end (of a flush, of a buffer write) it counts the
 * documents its writes stored with one upsert per rollup document, with no read, publishes {@link UsersChanged}, and
 * deletes its journal entries. Each event is written once; nothing is rewritten to release it.
 *
 * <p>A single insert (the {@code direct} mode) stores an event with the marker {@code _p} instead. A later fold
 * ({@link #fold()}) claims all marked events in one {@code updateMany} per collection, replacing {@code _p} with its
 * own id {@code _f} (each document's update is atomic, so two folds never claim the same event), reads what it
 * claimed, counts it, and removes {@code _f}.
 *
 * <p>The rollup upsert only matches a document whose {@code folds} does not hold the fold's id, and pushes the id in
 * the same atomic update; a document that already counted the fold makes the upsert a duplicate key, which is
 * skipped. So a fold that dies after claiming, halfway through its upserts, or before removing {@code _f} can be
 * repeated: journal entries and events still carrying an {@code _f} older than {@code sluice.rollup.recover-after}
 * are taken over by the next fold ({@link #recover()}), which repeats exactly that fold, reading its events back (a
 * journaled fold's are those of its journaled ids whose {@code _s} is the fold's). The fold's own first pass needs
 * no guard (no rollup holds its id yet); {@code recover-after} must be longer than any fold can run (a flush's fold
 * lasts as long as the flush: its time budget, then a handful of operations bounded by the driver's timeouts; the
 * Lambda timeout ends it sooner), so that a takeover never runs beside the fold it repeats.
 */
@ApplicationScoped
public class Rollups {

    private static final Logger LOG = Logger.getLogger(Rollups.class);
    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);
    private static final UpdateOptions UPSERT = new UpdateOptions().upsert(true);
    /** Stored event ids per journal entry (about 60 bytes each). */
    private static final int JOURNAL_IDS = 10_000;
    private static final List<String> JOURNALED_FIELDS = concat(RollupDeltas.FIELDS, EventDocuments.STORED_BY);

    private final SluiceCollections collections;
    private final SluiceConfig config;
    private final Clock clock;
    private final Event<UsersChanged> usersChanged;
    private final Timer foldTime;
    /** Adds what a write stored to its fold's deltas while the writer goes on with its next write. */
    private final ExecutorService counting = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "sluice-rollup-count");
        thread.setDaemon(true);
        return thread;
    });
    /** Called after each step of a fold; the fault tests make it throw, as a process that dies there. */
    private volatile Consumer<String> probe = step -> {
    };

    public Rollups(SluiceCollections collections, SluiceConfig config, Clock clock,
            Event<UsersChanged> usersChanged, MeterRegistry registry) {
        this.collections = collections;
        this.config = config;
        this.clock = clock;
        this.usersChanged = usersChanged;
        this.foldTime = Timer.builder("sluice.rollup.fold").description("Time to fold stored events into the "
                + "rollups (the upserts; for events not counted at their write also their claim, read and release), "
                + "failed folds included").register(registry);
    }

    @PreDestroy
    void stop() {
        counting.shutdownNow();
    }

    /** For fault tests: {@code probe} is called after each step of a fold ({@link #STEPS}). */
    public void probe(Consumer<String> probe) {
        this.probe = probe == null ? step -> {
        } : probe;
    }

    /** The steps of a fold, in order. */
    public static final List<String> STEPS = List.of("claimed", "user_daily", "user_totals", "platform_daily",
            "published", "released");

    private static List<String> concat(List<String> fields, String field) {
        List<String> all = new ArrayList<>(fields);
        all.add(field);
        return List.copyOf(all);
    }

    /** Counts every event stored with the marker {@code _p}; returns the users whose rollups changed. */
    public Set<String> fold() {
        return timed(this::claimAndApply);
    }

    /** A new fold for writes ({@link Writes}). */
    public Writes begin() {
        return new Writes();
    }

    /**
     * The writes of one fold (one flush, one buffer write), counted once at the end: each write journals its event
     * ids and stores its events with the fold's id; {@link #finish()} counts everything they stored. What a write
     * stored is added to the fold's deltas on a thread of their own, while the writer goes on with its next write
     * (in a flush, MongoDB would otherwise wait for that addition every round).
     */
    public final class Writes {
        private final ObjectId fold = new ObjectId();
        private final RollupDeltas deltas = new RollupDeltas();
        private boolean journaled;
        /** A chunk went unanswered: some events may be stored unknown to the writer, so MongoDB is asked. */
        private boolean unanswered;
        /** The deltas of the writes so far, added on the counting thread. */
        private CompletableFuture<Void> counted = CompletableFuture.completedFuture(null);

        /**
         * Writes events with {@code writer} under this fold. When the journal cannot be written, nothing is: every
         * event is reported failed, MongoDB unavailable.
         */
        public BulkWriter.Outcome write(BulkWriter writer, List<TrackedEvent> events, int chunkSize) {
            try {
                journal(fold, events);
            } catch (MongoException e) {
                LOG.warnf("fold journal not written, %d events not stored: %s", events.size(), e.getMessage());
                return BulkWriter.Outcome.notWritten(events.size());
            }
            journaled = true;
            BulkWriter.Outcome outcome = writer.write(events, chunkSize, fold);
            unanswered |= outcome.storeUnavailable();
            Map<EventKind, List<Document>> stored = outcome.stored();
            counted = counted.thenRunAsync(() -> stored.forEach((kind, documents) -> documents.forEach(
                    document -> deltas.add(kind, document))), counting);
            return outcome;
        }

        /**
         * Counts what the writes stored: the documents they know they stored, or what MongoDB holds for the fold
         * when a write went unanswered or the counting thread stopped (the process shutting down). A failure is
         * logged and left to recovery; it never fails the writes.
         */
        public void finish() {
            if (!journaled) {
                return;
            }
            // deltas the counting thread could not finish (it was stopped) are read back from MongoDB instead
            boolean allCounted = counted.handle((done, error) -> error == null).join();
            try {
                timed(() -> {
                    probe.accept("claimed");
                    return countJournaled(fold, unanswered || !allCounted ? journaledDeltas(fold) : deltas, false);
                });
            } catch (MongoException e) {
                LOG.warnf("rollup fold failed, recovered at a later flush: %s", e.getMessage());
            }
        }
    }

    private void journal(ObjectId fold, List<TrackedEvent> events) {
        Map<EventKind, List<Object>> ids = new EnumMap<>(EventKind.class);
        events.forEach(event -> ids.computeIfAbsent(event.kind(), k -> new ArrayList<>())
                .add(EventDocuments.storedId(event)));
        List<Document> entries = new ArrayList<>();
        ids.forEach((kind, all) -> {
            for (int from = 0; from < all.size(); from += JOURNAL_IDS) {
                entries.add(new Document("fold", fold).append("kind", kind.wireName())
                        .append("ids", all.subList(from, Math.min(all.size(), from + JOURNAL_IDS))));
            }
        });
        collections.foldJournal().insertMany(entries);
    }

    /** Counts a journaled fold's deltas and ends the fold by deleting its journal entries; returns the users. */
    private Set<String> countJournaled(ObjectId fold, RollupDeltas deltas, boolean repeat) {
        count(fold, deltas, repeat);
        collections.foldJournal().deleteMany(eq("fold", fold));
        probe.accept("released");
        return deltas.users();
    }

    /** The deltas of the events a journaled fold stored, read back: its journaled ids whose {@code _s} is the fold. */
    private RollupDeltas journaledDeltas(ObjectId fold) {
        RollupDeltas deltas = new RollupDeltas();
        // an id can be in several entries (an event sent twice reaches two writes of the fold): counted once
        Map<EventKind, Set<Object>> counted = new EnumMap<>(EventKind.class);
        for (Document entry : collections.foldJournal().find(eq("fold", fold))) {
            EventKind kind = EventKind.fromWireName(entry.getString("kind"));
            Set<Object> seen = counted.computeIfAbsent(kind, k -> new HashSet<>());
            collections.events(kind).find(in("_id", entry.getList("ids", Object.class)))
                    .projection(Projections.include(JOURNALED_FIELDS)).forEach(event -> {
                        if (fold.equals(event.get(EventDocuments.STORED_BY)) && seen.add(event.get("_id"))) {
                            deltas.add(kind, event);
                        }
                    });
        }
        return deltas;
    }

    private Set<String> timed(Supplier<Set<String>> fold) {
        long start = System.nanoTime();
        try {
            return fold.get();
        } finally {
            foldTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private Set<String> claimAndApply() {
        ObjectId fold = new ObjectId();
        long claimed = 0;
        for (EventKind kind : EventKind.values()) {
            claimed += collections.events(kind).updateMany(eq(EventDocuments.PENDING, true),
                    Updates.combine(Updates.unset(EventDocuments.PENDING), Updates.set(EventDocuments.FOLD, fold)))
                    .getModifiedCount();
        }
        if (claimed == 0) {
            return Set.of();
        }
        probe.accept("claimed");
        return apply(fold, false);
    }

    /**
     * {@link #fold()} for callers that go on without it (the flush, the memory buffer): a failure is logged and the
     * events stay marked for the next fold; it never keeps a stored event's message in the queue.
     */
    public void tryFold() {
        try {
            fold();
        } catch (MongoException e) {
            LOG.warnf("rollup fold failed, retried at the next flush: %s", e.getMessage());
        }
    }

    /** Repeats every fold that was claimed more than {@code recover-after} ago and never finished. */
    public Set<String> recover() {
        ObjectId cutoff = new ObjectId(Date.from(clock.instant().minus(config.rollup().recoverAfter())));
        Set<ObjectId> stale = new TreeSet<>();
        for (EventKind kind : EventKind.values()) {
            collections.events(kind).distinct(EventDocuments.FOLD, lt(EventDocuments.FOLD, cutoff), ObjectId.class)
                    .into(stale);
        }
        Set<String> users = new TreeSet<>();
        for (ObjectId fold : stale) {
            LOG.warnf("taking over unfinished fold %s", fold);
            users.addAll(apply(fold, true));
        }
        for (ObjectId fold : collections.foldJournal().distinct("fold", lt("fold", cutoff), ObjectId.class)
                .into(new TreeSet<>())) {
            LOG.warnf("taking over unfinished fold %s", fold);
            users.addAll(countJournaled(fold, journaledDeltas(fold), true));
        }
        return users;
    }

    /**
     * Adds the events claimed by a fold to the rollups and releases them.
     *
     * @param repeat whether the fold may have been applied in part before (a takeover): each upsert is then guarded
     *        by {@code folds}. A fresh fold is in no rollup yet, so it upserts by {@code _id} alone, which every
     *        server serves from the {@code _id} index.
     */
    Set<String> apply(ObjectId fold, boolean repeat) {
        RollupDeltas deltas = new RollupDeltas();
        for (EventKind kind : EventKind.values()) {
            for (Document event : collections.events(kind).find(eq(EventDocuments.FOLD, fold))
                    .projection(Projections.include(RollupDeltas.FIELDS))) {
                deltas.add(kind, event);
            }
        }
        count(fold, deltas, repeat);
        for (EventKind kind : EventKind.values()) {
            collections.events(kind).updateMany(eq(EventDocuments.FOLD, fold), Updates.unset(EventDocuments.FOLD));
        }
        probe.accept("released");
        return deltas.users();
    }

    /** Adds a fold's deltas to the rollups and publishes the users they change. */
    private void count(ObjectId fold, RollupDeltas deltas, boolean repeat) {
        if (!deltas.isEmpty()) {
            int kept = config.rollup().foldsRemembered();
            upsert(collections.userDaily(), deltas.userDaily, fold, kept, true, repeat);
            probe.accept("user_daily");
            upsert(collections.userTotals(), deltas.userTotals, fold, kept, true, repeat);
            probe.accept("user_totals");
            upsert(collections.platformDaily(), deltas.platformDaily, fold, kept, false, repeat);
            probe.accept("platform_daily");
            usersChanged.fire(new UsersChanged(Set.copyOf(deltas.users())));
            probe.accept("published");
        }
    }

    private static <K> void upsert(MongoCollection<Document> rollups, Map<K, RollupDeltas.Delta> deltas,
            ObjectId fold, int kept, boolean withSeen, boolean repeat) {
        if (deltas.isEmpty()) {
            return;
        }
        List<WriteModel<Document>> updates = new ArrayList<>(deltas.size());
        deltas.forEach((id, delta) -> {
            Bson target = repeat ? and(eq("_id", id), ne("folds", fold)) : eq("_id", id);
            updates.add(new UpdateOneModel<>(target, delta.update(fold, kept, withSeen), UPSERT));
        });
        try {
            rollups.bulkWrite(updates, UNORDERED);
        } catch (MongoBulkWriteException e) {
            for (BulkWriteError error : e.getWriteErrors()) {
                // a duplicate key: the document exists and already counted this fold
                if (ErrorCategory.fromErrorCode(error.getCode()) != ErrorCategory.DUPLICATE_KEY) {
                    throw e;
                }
            }
        }
    }
}

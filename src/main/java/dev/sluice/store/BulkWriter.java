package dev.sluice.store;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.bson.Document;
import org.bson.types.ObjectId;

import dev.sluice.concurrent.Futures;
import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;

/**
 * Writes a mixed list of events: grouped by collection, in unordered {@code insertMany} chunks, with the result mapped
 * back to each event's position in the list. Each chunk's documents are built and encoded on a thread of the writer
 * while the chunk before is stored, so the flush's CPU work and MongoDB's overlap (one insert at a time: one
 * connection). Used by the queue flush and by the in-memory buffer, through
 * {@code Rollups.Writes}: every event is stored claimed by a fold, which counts the documents newly stored
 * ({@link Outcome#stored()}).
 */
@ApplicationScoped
public class BulkWriter {

    private final EventStore store;
    /** Builds and encodes the next chunk's documents beside the insert of the current one. */
    private final ExecutorService preparing = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "sluice-write-prepare");
        thread.setDaemon(true);
        return thread;
    });

    public BulkWriter(EventStore store) {
        this.store = store;
    }

    @PreDestroy
    void stop() {
        preparing.shutdownNow();
    }

    /**
     * The outcome of a write.
     *
     * @param stored the documents newly stored, by collection; when MongoDB was unreachable for a chunk, some of
     *        its events may be stored without being listed here
     * @param duplicates events already stored before
     * @param failed positions in the written list of events not stored for a reason outside them; a later write may
     *        store them
     * @param rejected positions in the written list of events that no write can store as they are, with why
     * @param storeUnavailable whether MongoDB was unreachable for at least one chunk
     */
    public record Outcome(Map<EventKind, List<Document>> stored, int duplicates, BitSet failed,
            Map<Integer, String> rejected, boolean storeUnavailable) {

        /** The outcome of a write that did not start: every event failed, MongoDB unavailable. */
        public static Outcome notWritten(int events) {
            BitSet failed = new BitSet(events);
            failed.set(0, events);
            return new Outcome(Map.of(), 0, failed, Map.of(), true);
        }

        /** Events newly stored. */
        public int inserted() {
            return stored.values().stream().mapToInt(List::size).sum();
        }
    }

    public Outcome write(List<TrackedEvent> events, int chunkSize, ObjectId fold) {
        Map<EventKind, List<Integer>> positions = new EnumMap<>(EventKind.class);
        for (int i = 0; i < events.size(); i++) {
            positions.computeIfAbsent(events.get(i).kind(), k -> new ArrayList<>()).add(i);
        }
        List<Chunk> chunks = new ArrayList<>();
        positions.forEach((kind, at) -> {
            for (int from = 0; from < at.size(); from += chunkSize) {
                List<Integer> chunk = at.subList(from, Math.min(at.size(), from + chunkSize));
                chunks.add(new Chunk(kind, chunk, chunk.stream().map(events::get).toList()));
            }
        });
        Map<EventKind, List<Document>> stored = new EnumMap<>(EventKind.class);
        Map<Integer, String> rejected = new HashMap<>();
        int duplicates = 0;
        boolean unavailable = false;
        BitSet failed = new BitSet(events.size());
        CompletableFuture<PreparedChunk> next = chunks.isEmpty() ? null : prepare(chunks.get(0), fold);
        for (int c = 0; c < chunks.size(); c++) {
            Chunk chunk = chunks.get(c);
            if (unavailable) {
                chunk.positions().forEach(failed::set);
                continue;
            }
            PreparedChunk prepared = Futures.join(next);
            // the next chunk is built and encoded while MongoDB stores this one
            next = c + 1 < chunks.size() ? prepare(chunks.get(c + 1), fold) : null;
            InsertResult result = store.insert(prepared);
            stored.computeIfAbsent(chunk.kind(), k -> new ArrayList<>()).addAll(result.stored());
            duplicates += result.duplicates();
            result.failed().stream().forEach(i -> failed.set(chunk.positions().get(i)));
            result.rejected().forEach((i, why) -> rejected.put(chunk.positions().get(i), why));
            unavailable = result.storeUnavailable();
        }
        if (next != null) {
            next.handle((prepared, error) -> null).join();
        }
        return new Outcome(stored, duplicates, failed, rejected, unavailable);
    }

    private record Chunk(EventKind kind, List<Integer> positions, List<TrackedEvent> events) {
    }

    private CompletableFuture<PreparedChunk> prepare(Chunk chunk, ObjectId fold) {
        return CompletableFuture.supplyAsync(() -> store.prepare(chunk.kind(), chunk.events(), fold), preparing);
    }
}

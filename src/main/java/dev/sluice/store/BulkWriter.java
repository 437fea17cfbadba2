package dev.sluice.store;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.bson.Document;
import org.bson.types.ObjectId;

import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;

/**
 * Writes a mixed list of events: grouped by collection, in unordered {@code insertMany} chunks, with the result mapped
 * back to each event's position in the list. Used by the queue flush and by the in-memory buffer, through
 * {@code Rollups.Writes}: every event is stored claimed by a fold, which counts the documents newly stored
 * ({@link Outcome#stored()}).
 */
@ApplicationScoped
public class BulkWriter {

    private final EventStore store;

    public BulkWriter(EventStore store) {
        this.store = store;
    }

    /**
     * The outcome of a write.
     *
     * @param stored the documents newly stored, by collection; when MongoDB was unreachable for a chunk, some of
     *        its events may be stored without being listed here
     * @param duplicates events already stored before
     * @param failed positions in the written list of events not stored
     * @param storeUnavailable whether MongoDB was unreachable for at least one chunk
     */
    public record Outcome(Map<EventKind, List<Document>> stored, int duplicates, BitSet failed,
            boolean storeUnavailable) {

        /** The outcome of a write that did not start: every event failed, MongoDB unavailable. */
        public static Outcome notWritten(int events) {
            BitSet failed = new BitSet(events);
            failed.set(0, events);
            return new Outcome(Map.of(), 0, failed, true);
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
        Map<EventKind, List<Document>> stored = new EnumMap<>(EventKind.class);
        int duplicates = 0;
        boolean unavailable = false;
        BitSet failed = new BitSet(events.size());
        for (Map.Entry<EventKind, List<Integer>> group : positions.entrySet()) {
            List<Integer> at = group.getValue();
            for (int from = 0; from < at.size(); from += chunkSize) {
                List<Integer> chunk = at.subList(from, Math.min(at.size(), from + chunkSize));
                if (unavailable) {
                    chunk.forEach(failed::set);
                    continue;
                }
                InsertResult result = store.insert(group.getKey(), chunk.stream().map(events::get).toList(), fold);
                stored.computeIfAbsent(group.getKey(), k -> new ArrayList<>()).addAll(result.stored());
                duplicates += result.duplicates();
                result.failed().stream().forEach(i -> failed.set(chunk.get(i)));
                unavailable = result.storeUnavailable();
            }
        }
        return new Outcome(stored, duplicates, failed, unavailable);
    }
}

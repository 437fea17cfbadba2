package dev.sluice.store;

import java.util.BitSet;
import java.util.List;
import java.util.Map;

import org.bson.Document;

/**
 * The outcome of one bulk insert, event by event; positions are those of the chunk's events.
 *
 * @param stored the documents newly stored, in the order given; when MongoDB was unreachable none is known to be
 *        stored, though some may be (the next fold's recovery finds those)
 * @param duplicates events whose id was already stored (duplicate key, code 11000): stored before, so a success
 * @param failed events not stored for a reason outside them (MongoDB unreachable, over its quota, ...): a later write
 *        may store them
 * @param rejected events that can never be stored as they are (their own content: a date MongoDB cannot hold, a
 *        document it refuses), with why
 * @param storeUnavailable whether the failures came from MongoDB being unreachable rather than from the documents
 */
public record InsertResult(List<Document> stored, int duplicates, BitSet failed, Map<Integer, String> rejected,
        boolean storeUnavailable) {

    /** Nothing stored, MongoDB unreachable: every event failed but those already known to be unstorable. */
    public static InsertResult allFailed(int size, Map<Integer, String> rejected) {
        BitSet failed = new BitSet(size);
        failed.set(0, size);
        rejected.keySet().forEach(failed::clear);
        return new InsertResult(List.of(), 0, failed, rejected, true);
    }

    /** Events newly stored. */
    public int inserted() {
        return stored.size();
    }

    public int failedCount() {
        return failed.cardinality();
    }
}

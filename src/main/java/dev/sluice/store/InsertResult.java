package dev.sluice.store;

import java.util.BitSet;
import java.util.List;

import org.bson.Document;

/**
 * The outcome of one bulk insert, event by event.
 *
 * @param stored the documents newly stored, in the order given; when MongoDB was unreachable none is known to be
 *        stored, though some may be (the next fold's recovery finds those)
 * @param duplicates events whose id was already stored (duplicate key, code 11000): stored before, so a success
 * @param failed positions, in the inserted list, of events that are not stored
 * @param storeUnavailable whether the failures came from MongoDB being unreachable rather than from the documents
 */
public record InsertResult(List<Document> stored, int duplicates, BitSet failed, boolean storeUnavailable) {

    public static InsertResult allFailed(int size) {
        BitSet failed = new BitSet(size);
        failed.set(0, size);
        return new InsertResult(List.of(), 0, failed, true);
    }

    /** Events newly stored. */
    public int inserted() {
        return stored.size();
    }

    public int failedCount() {
        return failed.cardinality();
    }
}

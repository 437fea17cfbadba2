package dev.sluice.store;

import java.util.BitSet;

/**
 * The outcome of one bulk insert, event by event.
 *
 * @param inserted events newly stored
 * @param duplicates events whose id was already stored (duplicate key, code 11000): stored before, so a success
 * @param failed positions, in the inserted list, of events that are not stored
 * @param storeUnavailable whether the failures came from MongoDB being unreachable rather than from the documents
 */
public record InsertResult(int inserted, int duplicates, BitSet failed, boolean storeUnavailable) {

    public static InsertResult allFailed(int size) {
        BitSet failed = new BitSet(size);
        failed.set(0, size);
        return new InsertResult(0, 0, failed, true);
    }

    public int failedCount() {
        return failed.cardinality();
    }
}

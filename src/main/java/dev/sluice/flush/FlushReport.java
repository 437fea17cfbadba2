package dev.sluice.flush;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What one flush did; the body of {@code POST /internal/flush} and the flush log line.
 *
 * @param messages messages received
 * @param events events in those messages
 * @param inserted events newly stored
 * @param duplicates events already stored (a redelivery or a client retry), counted as stored
 * @param failed events not stored for a reason outside them (MongoDB unreachable, over its quota); their messages
 *        stay in the queue and come back
 * @param rejected events MongoDB can never store as they are, each sent to the dead-letter queue alone (the rest of
 *        its message is stored)
 * @param deadLettered messages sent to the dead-letter queue because they cannot be parsed
 * @param deleted messages deleted after all their events were stored
 * @param durationMs wall time
 * @param stop why the flush stopped
 */
@RegisterForReflection
public record FlushReport(int messages, int events, int inserted, int duplicates, int failed, int rejected,
        int deadLettered, int deleted, long durationMs, Stop stop) {

    /** Why a flush ended. */
    public enum Stop {
        /** The queue had nothing more to give. */
        QUEUE_EMPTY,
        /** {@code sluice.flush.max-events} reached. */
        EVENT_BUDGET,
        /** {@code sluice.flush.time-budget} reached. */
        TIME_BUDGET,
        /** MongoDB unreachable: nothing more is taken off the queue, so no receive count is spent on an outage. */
        STORE_UNAVAILABLE,
        /** The queue could not be reached. */
        QUEUE_UNAVAILABLE,
        /** Another flush was running in this process. */
        ALREADY_RUNNING
    }

    static FlushReport nothing(Stop stop, long durationMs) {
        return new FlushReport(0, 0, 0, 0, 0, 0, 0, 0, durationMs, stop);
    }

    FlushReport plus(FlushReport round) {
        return new FlushReport(messages + round.messages, events + round.events, inserted + round.inserted,
                duplicates + round.duplicates, failed + round.failed, rejected + round.rejected,
                deadLettered + round.deadLettered, deleted + round.deleted, durationMs, stop);
    }

    FlushReport ended(Stop why, long tookMs) {
        return new FlushReport(messages, events, inserted, duplicates, failed, rejected, deadLettered, deleted, tookMs,
                why);
    }
}

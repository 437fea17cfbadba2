package dev.sluice.audit;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The answer of the loss check for events received in [from, to).
 *
 * @param accepted events ingest accepted (the ledger)
 * @param stored events in MongoDB
 * @param resent calls that sent an already stored event again: accepted twice, stored once
 * @param deadLettered events in dead-letter messages
 * @param unreadableDeadLetters dead-letter messages that cannot be parsed; their events cannot be counted
 * @param queuedMessages messages still in the queue after the drain (events not yet stored)
 * @param ledgerFailures calls this instance could not count since it started (a lower bound for the fleet)
 * @param missing {@code accepted - stored - resent - deadLettered}: zero when nothing is lost
 * @param verdict {@code NO_LOSS}, {@code LOSS}, or {@code INCONCLUSIVE} with the reason
 */
@RegisterForReflection
public record LossReport(Instant from, Instant to, long accepted, long stored, long resent, long deadLettered,
        long unreadableDeadLetters, long queuedMessages, long ledgerFailures, long missing, Verdict verdict,
        String reason) {

    public enum Verdict {
        NO_LOSS, LOSS, INCONCLUSIVE
    }
}

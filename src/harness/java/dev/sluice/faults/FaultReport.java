package dev.sluice.faults;

import java.util.List;

/**
 * What one fault run did to the events, counted from the client's answers and from MongoDB itself. Counts are
 * events, not requests.
 *
 * @param sent events the stream sent (each once, however often resent)
 * @param accepted events acknowledged with a 202
 * @param rejected events answered 503 at least once (the queue, or the memory buffer, unavailable), then sent again
 *        with the same ids until acknowledged: a 503 means "not known to be stored", and a resend never duplicates
 * @param refused events answered with anything else (none expected: the stream sends valid events)
 * @param unanswered events whose call never got an answer, after three attempts
 * @param unacknowledged events never acknowledged (unanswered, or answered 503 until the stream stopped): not known to
 *        be stored, so they may be stored or not
 * @param stored acknowledged events found in MongoDB
 * @param storedUnacknowledged events in MongoDB that were never acknowledged: some of {@code unacknowledged}, whose
 *        call reached the queue before its answer was lost or refused
 * @param storedUnsent events in MongoDB that the stream neither had acknowledged nor left unacknowledged: none can be
 * @param duplicated events counted more than once in the rollups (the raw collections cannot hold an id twice)
 * @param uncounted stored events missing from the rollups
 * @param lost acknowledged events not in MongoDB at the end
 * @param kills SIGKILLs during a flush; {@code partialKills} of them after part of the flush's events were stored
 * @param deadLettered messages found in the dead-letter queue at the end and replayed
 */
public record FaultReport(String mode, String plan, long sent, long accepted, long rejected, long refused,
        long unanswered, long unacknowledged, long resent, long stored, long storedUnacknowledged, long storedUnsent,
        long duplicated, long uncounted, long lost, int kills, int partialKills, int deadLettered, int flushes,
        int failedFlushes, long seconds, List<String> refusals) {

    static String markdown(List<FaultReport> reports) {
        StringBuilder out = new StringBuilder();
        out.append("| mode | plan | sent | accepted | answered 503 (then resent) | other 4xx/5xx | unanswered | "
                + "never acknowledged | stored | stored, unacknowledged | duplicated | lost | SIGKILLs (after part "
                + "of a flush was stored) | dead-lettered, replayed | flushes (failed) | seconds |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (FaultReport r : reports) {
            out.append("| ").append(r.mode).append(" | ").append(r.plan).append(" | ").append(r.sent).append(" | ")
                    .append(r.accepted).append(" | ").append(r.rejected).append(" | ").append(r.refused)
                    .append(" | ").append(r.unanswered).append(" | ").append(r.unacknowledged).append(" | ")
                    .append(r.stored).append(" | ")
                    .append(r.storedUnacknowledged).append(" | ").append(r.duplicated).append(" | ")
                    .append(r.lost).append(" | ").append(r.kills).append(" (").append(r.partialKills).append(") | ")
                    .append(r.deadLettered).append(" | ").append(r.flushes).append(" (").append(r.failedFlushes)
                    .append(") | ").append(r.seconds).append(" |\n");
        }
        return out.toString();
    }
}

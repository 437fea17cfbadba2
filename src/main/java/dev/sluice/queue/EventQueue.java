package dev.sluice.queue;

import java.time.Duration;
import java.util.List;

/**
 * The durable buffer between ingest and flush. Sluice's implementation is {@link SqsEventQueue}; the interface is
 * what tests wrap to inject faults a real queue cannot be made to produce.
 */
public interface EventQueue {

    /**
     * Sends message bodies; returns only when every one of them is in the queue.
     *
     * @throws QueueUnavailableException when any body could not be sent
     */
    void send(List<String> bodies);

    /** Takes up to {@code max} messages, waiting at most {@code wait} for the first one. */
    List<ReceivedMessage> receive(int max, Duration visibilityTimeout, Duration wait);

    /** Deletes stored messages; a delete that fails only means a harmless redelivery. */
    void delete(List<ReceivedMessage> messages);

    /** Makes received messages visible again now, for a message taken that will not be processed. */
    void release(List<ReceivedMessage> messages);

    /** Moves a message that can never be processed to the dead-letter queue, with a versioned reason. */
    void deadLetter(ReceivedMessage message, String reason);

    /**
     * Sends a body (events taken out of a message, each of which can never be stored) to the dead-letter queue, with
     * a versioned reason; the message they came from is the caller's to delete.
     *
     * @throws QueueUnavailableException when it could not be sent
     */
    void deadLetter(String body, String reason);

    /** Moves up to {@code max} messages from the dead-letter queue back to the main queue; returns how many. */
    int replayDeadLetters(int max);

    /** Approximate message counts of the queue and its dead-letter queue, as SQS reports them. */
    Depth depth();

    /**
     * Reads every message in the dead-letter queue without removing it: each is hidden for {@code hold} while the
     * scan runs and made visible again at its end. At most {@code max} messages.
     */
    List<String> peekDeadLetters(int max, Duration hold);

    /**
     * Queue depths.
     *
     * @param visible messages waiting in the queue
     * @param inFlight messages received and not yet deleted (a flush running, or one that died)
     * @param deadLetters messages in the dead-letter queue
     */
    record Depth(long visible, long inFlight, long deadLetters) {
    }
}

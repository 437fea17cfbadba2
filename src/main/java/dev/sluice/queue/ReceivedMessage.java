package dev.sluice.queue;

/**
 * A message taken from the queue, invisible to others until it is deleted or its visibility timeout ends.
 *
 * @param messageId the queue's id of the message
 * @param receiptHandle what deleting it takes
 * @param body the packed events (see {@link MessageCodec})
 * @param receiveCount how often it has been received, this time included
 * @param sentAtMillis when it was first sent, for the flush lag
 */
public record ReceivedMessage(String messageId, String receiptHandle, String body, int receiveCount,
        long sentAtMillis) {
}

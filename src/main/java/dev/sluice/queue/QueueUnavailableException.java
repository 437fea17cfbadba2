package dev.sluice.queue;

/** The queue could not be reached, or refused part of a send after every retry. */
public class QueueUnavailableException extends RuntimeException {

    public QueueUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

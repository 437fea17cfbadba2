package dev.sluice.config;

/** Where an accepted tracking call is written. */
public enum WriteMode {
    /** Durable SQS buffer, flushed in bulk every 30 s: the design Sluice exists for. */
    QUEUE,
    /** The old behaviour, one {@code insertOne} per event on the request path: an immediate rollback switch. */
    DIRECT,
    /**
     * An in-process buffer flushed at 50 events or every 30 s: the design Sluice replaces. Whatever is buffered when the
     * process dies is lost.
     */
    MEMORY
}

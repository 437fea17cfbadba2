package dev.sluice.config;

/**
 * The part of the API one deployment serves. The same artifact is deployed as three Lambda functions; the role keeps
 * each to its routes, and keeps MongoDB clients out of the ingest function.
 */
public enum Role {
    /** Everything: the long-running server and the local run. */
    ALL,
    /**
     * Tracking calls only; in {@code queue} write mode it has no MongoDB client at all ({@link RoleClients}), so it
     * never opens a MongoDB connection.
     */
    INGEST,
    /** Stats reads. */
    STATS,
    /** The internal flush and replay routes reached by the schedule. */
    FLUSH;

    public boolean servesIngest() {
        return this == ALL || this == INGEST;
    }

    public boolean servesStats() {
        return this == ALL || this == STATS;
    }

    public boolean servesInternal() {
        return this == ALL || this == FLUSH;
    }

    /** Whether this role talks to the queue: ingest sends to it, the flush drains it (only in {@code queue} mode). */
    public boolean usesQueue(WriteMode mode) {
        return mode == WriteMode.QUEUE && this != STATS;
    }

    /** Whether this role needs MongoDB; the ingest role only when it writes without the queue. */
    public boolean usesMongo(WriteMode mode) {
        return this != INGEST || mode != WriteMode.QUEUE;
    }

    /**
     * Whether this role depends on Redis: stats are cached there, and the flush invalidates them. Ingest uses Redis
     * too (rate limits, the accepted-events ledger) but goes on without it, so it is ready without it.
     */
    public boolean usesRedis() {
        return this != INGEST;
    }
}

package dev.sluice.stats;

/** The {@code X-Cache} header of a stats response. */
public enum CacheStatus {
    /** Served from Redis. */
    HIT,
    /** Not in Redis (or stale): read from the rollups in MongoDB, then cached. */
    MISS,
    /** Redis unreachable: read from MongoDB through a small concurrency limit, not cached. */
    BYPASS
}

package dev.sluice.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every Sluice setting, under {@code sluice.*}. Each default here is the one documented in {@code docs/configuration.md}
 * ({@code ConfigurationDocTest} keeps the two equal); environment variables override them the usual way
 * ({@code SLUICE_WRITE_MODE}, {@code SLUICE_QUEUE_URL}, ...).
 */
@ConfigMapping(prefix = "sluice")
public interface SluiceConfig {

    /** Which routes this deployment serves; one artifact runs as the ingest, stats and flush functions. */
    @WithDefault("all")
    Role role();

    /** Where accepted events go: the queue (default), straight into MongoDB, or an in-process buffer. */
    @WithDefault("queue")
    WriteMode writeMode();

    Queue queue();

    Ingest ingest();

    Flush flush();

    Mongo mongo();

    Memory memory();

    Rollup rollup();

    Stats stats();

    Metrics metrics();

    Alarms alarms();

    Ledger ledger();

    Limits limits();

    Auth auth();

    interface Queue {
        /** URL of the main queue. */
        String url();

        /** URL of the dead-letter queue that unparseable messages go to and that the replay route drains. */
        String dlqUrl();

        /**
         * Largest message body Sluice writes. SQS accepts 256 KiB per message by default (the queue's
         * MaximumMessageSize); the headroom covers message attributes.
         */
        @WithDefault("245760")
        int maxMessageBytes();

        /** Largest SendMessageBatch payload; 256 KiB is accepted by every SQS-compatible server. */
        @WithDefault("262144")
        int maxBatchBytes();

        /** Attempts for the entries of a SendMessageBatch that come back in {@code Failed}. */
        @WithDefault("3")
        int sendAttempts();

        /**
         * How long the sender of a group of concurrent ingest calls waits for more to join before it sends
         * ({@code GroupCommit} in {@code QueueSink}); only when the last group had more than one caller, so never
         * on Lambda. 0 turns it off.
         */
        @WithDefault("3ms")
        Duration sendLinger();

        /**
         * Send groups of concurrent ingest calls on their way at once, at most: with two, a group gathers and goes
         * while the last one is still being sent, so the server is not idle while SQS answers.
         */
        @WithDefault("2")
        int sendConcurrency();

        /**
         * How long an ingest call waits for its events to be on the queue; past it the call is answered 503 (the
         * events may still arrive: a 503 means "not known to be queued", and a resend with the same ids never
         * duplicates). An invocation never waits forever. Keep it below the ingest function's timeout (10 s).
         */
        @WithDefault("8s")
        Duration sendTimeout();

        /** The Retry-After a client gets when the queue cannot be reached. */
        @WithDefault("5")
        int retryAfterSeconds();
    }

    interface Ingest {
        /** Items in one batch request, AI usage or Segment ({@code /v1/batch} allows 2,500). */
        @WithDefault("2500")
        int maxBatchEvents();

        /** Body of an AI usage request. */
        @WithDefault("1048576")
        int maxAiBodyBytes();

        /** Serialized {@code metadata} of one AI usage record. */
        @WithDefault("8192")
        int maxMetadataBytes();

        /** Segment's limit for one event. */
        @WithDefault("32768")
        int maxSegmentEventBytes();

        /** Segment's limit for one {@code /v1/batch} request. */
        @WithDefault("512000")
        int maxSegmentBatchBytes();

        /** How far in the future a client clock may be before a timestamp is rejected. */
        @WithDefault("5m")
        Duration maxClockSkew();

        /**
         * How far in the past an event's time may be (offline clients send late; a clock never set says 1970). Older
         * events would only add to rollups of days no stats read.
         */
        @WithDefault("3650d")
        Duration maxEventAge();
    }

    interface Flush {
        /** Cadence of the in-process flush (long-running mode); {@code off} on Lambda, where a schedule calls it. */
        @WithDefault("30s")
        String every();

        /** Events one flush stores at most before it stops; the rest waits for the next run. */
        @WithDefault("50000")
        int maxEvents();

        /** Wall time one flush may take before it stops receiving; keep it well under the visibility timeout. */
        @WithDefault("20s")
        Duration timeBudget();

        /** How long received messages stay invisible to others; an unstored message comes back after it. */
        @WithDefault("60s")
        Duration visibilityTimeout();

        /** Events per {@code insertMany} call. */
        @WithDefault("500")
        int insertChunkSize();

        /**
         * Messages received before a write round (SQS returns at most 10 per call). The next round is received while
         * one is written, and a flush counts all its rounds into the rollups once, at its end.
         */
        @WithDefault("100")
        int messagesPerRound();

        /**
         * Message bytes a round stops at, whichever of this and {@link #messagesPerRound()} comes first: busy
         * senders fill messages with hundreds of events, and smaller rounds keep the memory of a flush bounded and
         * let the next round be received and unpacked while this one is written.
         */
        @WithDefault("1048576")
        int roundBytes();

        /**
         * Long-poll wait of the first receive of a round. Long polling asks every SQS server, so an empty answer
         * means the queue is empty; short polls (used within a round) may miss messages.
         */
        @WithDefault("1s")
        Duration receiveWait();
    }

    interface Mongo {
        @WithDefault("sluice")
        String database();

        @WithDefault("ai_usage")
        String aiUsageCollection();

        @WithDefault("analytics")
        String analyticsCollection();

        /** Per-user daily rollups: totals and 24 hourly buckets per user and UTC day. */
        @WithDefault("user_daily")
        String userDailyCollection();

        /** Per-user all-time rollups: totals, per model, per analytics event name, first and last seen. */
        @WithDefault("user_totals")
        String userTotalsCollection();

        /** Per-day platform rollups: totals and per model. */
        @WithDefault("platform_daily")
        String platformDailyCollection();

        /** Client resends: events whose id was already stored from an earlier call (for the loss check). */
        @WithDefault("resent")
        String resentCollection();

        /** The ids of the events each unfinished fold wrote, for its recovery (see {@code Rollups}). */
        @WithDefault("fold_journal")
        String foldJournalCollection();

        /**
         * How long raw events are kept (a TTL index on {@code receivedAt}); rollups are kept. Changing it later
         * needs the index dropped or {@code collMod}: the index is created once.
         */
        @WithDefault("90d")
        Duration retention();
    }

    /** The rollups the flush maintains, so that a stats read never aggregates raw events. */
    interface Rollup {
        /**
         * Age after which a claimed but unfinished fold (its process died or lost MongoDB) is taken over by the next
         * fold. Longer than any fold takes.
         */
        @WithDefault("2m")
        Duration recoverAfter();

        /** Fold ids each rollup document remembers, so that a retried fold never counts an event twice. */
        @WithDefault("64")
        int foldsRemembered();
    }

    interface Stats {
        /** Time to live of a cached user-stats entry; a flush that stores the user's events drops it sooner. */
        @WithDefault("5m")
        Duration userTtl();

        /** Time to live of the cached platform stats. */
        @WithDefault("1h")
        Duration platformTtl();

        /** How long the one instance that recomputes a missing entry holds the Redis lock ({@code SET NX PX}). */
        @WithDefault("5s")
        Duration lockTimeout();

        /** How long other callers wait for that instance's value before querying MongoDB themselves. */
        @WithDefault("3s")
        Duration lockWait();

        /**
         * When a flush changes a user whose stats are cached, recompute and rewrite the entry rather than only drop
         * it: the user's next read is a hit with the new numbers. Costs the flush one rollup read per such user.
         */
        @WithDefault("true")
        boolean refreshCached();

        /** Entries rewritten per invalidation at most; the rest are only dropped. */
        @WithDefault("1000")
        int refreshMax();

        /** Prefix of every Redis key Sluice writes. */
        @WithDefault("sluice:")
        String keyPrefix();

        /** Analytics event names in {@code topEvents}. */
        @WithDefault("20")
        int topEvents();

        /** Models in the platform's {@code topModels}. */
        @WithDefault("10")
        int topModels();
    }

    /** The {@code memory} write mode: the in-process buffer Sluice replaces, kept as a rollback and a baseline. */
    interface Memory {
        /** Buffered events that trigger a flush. */
        @WithDefault("50")
        int flushAt();

        /** Events the buffer holds at most; past it ingest answers 503. */
        @WithDefault("10000")
        int capacity();

        /** Time-based flush of the buffer. */
        @WithDefault("30s")
        String every();
    }

    /** Metrics export besides Prometheus at {@code /q/metrics}. */
    interface Metrics {
        /**
         * One CloudWatch Embedded Metric Format line on stdout per request (per Lambda invocation). On by default
         * when running on AWS Lambda ({@code AWS_LAMBDA_FUNCTION_NAME} set), off otherwise.
         */
        @WithDefault("false")
        boolean emf();

        /** CloudWatch namespace of the EMF metrics. */
        @WithDefault("Sluice")
        String namespace();

        /** The {@code Service} dimension: tells deployments (stacks) apart in one namespace. */
        @WithDefault("sluice")
        String service();
    }

    /**
     * Alarm thresholds: the infrastructure turns them into CloudWatch alarms, and the Prometheus rules shipped for
     * the long-running mode ({@code infra/prometheus/sluice-alerts.yml}) are rendered from them.
     */
    interface Alarms {
        /** MongoDB connections the whole deployment may hold (30 % of Atlas M0's 500). */
        @WithDefault("150")
        int connectionBudget();

        /** Warning when connections exceed this share of the budget (or a pool this share of its size). */
        @WithDefault("0.6")
        double poolWarning();

        /** Critical above this share. */
        @WithDefault("0.8")
        double poolCritical();

        /** Flush failures within {@link #flushFailureWindow()} that raise the alarm. */
        @WithDefault("1")
        int flushFailures();

        @WithDefault("5m")
        Duration flushFailureWindow();

        /** Age of the oldest queued message above which the flush is falling behind. */
        @WithDefault("120s")
        Duration oldestMessageAge();

        /** Cache hit ratio below which the alarm fires, over {@link #cacheHitRatioWindow()}. */
        @WithDefault("0.8")
        double cacheHitRatio();

        @WithDefault("1h")
        Duration cacheHitRatioWindow();
    }

    /** The accepted-events ledger in Redis behind the loss check. */
    interface Ledger {
        /** Whether ingest counts accepted events per minute in Redis. */
        @WithDefault("true")
        boolean enabled();

        /** How long the per-minute counts are kept (longer than any period you will check). */
        @WithDefault("35d")
        Duration retention();

        /** How long ingest waits for Redis before answering without counting (the miss is a metric). */
        @WithDefault("250ms")
        Duration timeout();
    }

    /** Abuse limits on ingest. */
    interface Limits {
        /** Events one user may send per window, across all instances (Redis); 0 turns the limit off. */
        @WithDefault("1000")
        int eventsPerUser();

        /** Events one write key may send per window, all instances together; 0 turns the limit off. */
        @WithDefault("20000")
        int eventsPerKey();

        /** The window of both limits. */
        @WithDefault("10s")
        Duration window();

        /** How long ingest waits for Redis before it limits with this instance's own count instead. */
        @WithDefault("250ms")
        Duration timeout();
    }

    /**
     * Keys, compared in constant time; several may be valid at once, so a key is rotated by adding the new one,
     * moving the clients, then removing the old. Without keys nothing is let in.
     */
    interface Auth {
        /** Ingest write keys ({@code SLUICE_AUTH_WRITE_KEYS}, comma-separated). */
        Optional<List<String>> writeKeys();

        /** Keys of the internal routes ({@code SLUICE_AUTH_ADMIN_KEYS}). */
        Optional<List<String>> adminKeys();

        /**
         * Keys of services that may read any user's stats ({@code ?userId=}) and the platform stats
         * ({@code SLUICE_AUTH_SERVICE_KEYS}). Users read their own stats with a JWT, verified by
         * {@code mp.jwt.verify.publickey.location} and {@code mp.jwt.verify.issuer}.
         */
        Optional<List<String>> serviceKeys();
    }
}

package dev.sluice.flush;

import jakarta.enterprise.context.ApplicationScoped;

import dev.sluice.config.SluiceConfig;
import io.quarkus.scheduler.Scheduled;

/**
 * The 30 s flush of the long-running server (in the {@code direct} and {@code memory} modes it only folds events
 * into the rollups). On Lambda {@code sluice.flush.every} is {@code off} and the schedule reaches the flush through
 * {@code POST /internal/flush} instead.
 */
@ApplicationScoped
public class FlushScheduler {

    private final Flusher flusher;
    private final SluiceConfig config;

    public FlushScheduler(Flusher flusher, SluiceConfig config) {
        this.flusher = flusher;
        this.config = config;
    }

    @Scheduled(identity = "sluice-flush", every = "${sluice.flush.every}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void everyInterval() {
        if (config.role().servesInternal()) {
            flusher.flush();
        }
    }
}

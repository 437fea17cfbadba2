package dev.sluice.sink;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

import dev.sluice.config.SluiceConfig;

/** Chooses the {@link EventSink} of {@code sluice.write-mode}; only the chosen one is ever created. */
public class SinkSelector {

    @Produces
    @ApplicationScoped
    EventSink sink(SluiceConfig config, Instance<QueueSink> queue, Instance<DirectSink> direct,
            Instance<MemorySink> memory) {
        return switch (config.writeMode()) {
            case QUEUE -> queue.get();
            case DIRECT -> direct.get();
            case MEMORY -> memory.get();
        };
    }
}

package dev.sluice.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting for work handed to another thread (the flush's queue calls, a writer's next chunk). */
public final class Futures {

    private Futures() {
    }

    /** The future's value, or what its work threw, as it threw it (not wrapped). */
    public static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw e;
        }
    }
}

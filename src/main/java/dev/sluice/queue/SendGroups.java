package dev.sluice.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Group commit for queue sends: while one caller's send is on its way to the queue, the callers that arrive wait, and
 * the first of them then sends everything that waits in one go (as few SendMessageBatch calls as the entries need).
 * No timer and no added wait: a lone caller sends at once, exactly as before; under concurrency (the long-running
 * server; a Lambda instance takes one call at a time) N concurrent calls cost a few SQS requests instead of N.
 *
 * <p>A caller returns only once its own messages are queued, or throws what the send of its group threw: a group
 * fails or succeeds whole, so no caller is told its events are queued unless they are (a failed group's callers
 * answer 503 and resend; whatever of the group had reached the queue is deduplicated by its event ids).
 */
final class SendGroups {

    private final Object lock = new Object();
    private List<Waiter> waiting = new ArrayList<>();
    private boolean sending;

    private static final class Waiter {
        final List<String> bodies;
        boolean done;
        RuntimeException failure;

        Waiter(List<String> bodies) {
            this.bodies = bodies;
        }
    }

    /** Sends {@code bodies} through {@code sender}, possibly together with other callers' bodies. */
    void send(List<String> bodies, Consumer<List<String>> sender) {
        Waiter me = new Waiter(bodies);
        List<Waiter> group;
        synchronized (lock) {
            waiting.add(me);
            while (sending && !me.done) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    // still in the group if it is taken: wait for its outcome without being interruptible
                    if (!waiting.remove(me)) {
                        awaitOutcome(me);
                        break;
                    }
                    throw new QueueUnavailableException("interrupted before sending", e);
                }
            }
            if (me.done) {
                outcome(me);
                return;
            }
            sending = true;
            group = waiting;
            waiting = new ArrayList<>();
        }
        RuntimeException failure = null;
        try {
            List<String> all = new ArrayList<>();
            group.forEach(w -> all.addAll(w.bodies));
            sender.accept(all);
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            synchronized (lock) {
                for (Waiter w : group) {
                    w.done = true;
                    w.failure = failure;
                }
                sending = false;
                lock.notifyAll();
            }
        }
        outcome(me);
    }

    private void awaitOutcome(Waiter me) {
        while (!me.done) {
            try {
                lock.wait();
            } catch (InterruptedException again) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void outcome(Waiter w) {
        if (w.failure != null) {
            throw w.failure;
        }
    }
}

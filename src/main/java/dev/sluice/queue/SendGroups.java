package dev.sluice.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Group commit for queue sends: while one caller's send is on its way to the queue, the callers that arrive wait, and
 * the first of them then sends everything that waits in one go (as few SendMessageBatch calls as the entries need).
 * A lone caller sends at once; under concurrency (the long-running server; a Lambda instance takes one call at a
 * time) N concurrent calls cost a few SQS requests instead of N.
 *
 * <p>When the last group had more than one caller, the next group's sender lingers until as many callers have joined,
 * at most {@code sluice.queue.send-linger}: fuller requests cost the queue, the SDK and the server less CPU per event,
 * which under load shortens every caller's wait more than the linger lengthens it. A caller alone (every Lambda
 * call) never lingers.
 *
 * <p>A caller returns only once its own messages are queued, or throws what the send of its group threw: a group
 * fails or succeeds whole, so no caller is told its events are queued unless they are (a failed group's callers
 * answer 503 and resend; whatever of the group had reached the queue is deduplicated by its event ids).
 */
final class SendGroups {

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a group's send is over: its callers learn their outcome, and the next sender may go. */
    private final Condition sent = lock.newCondition();
    /** Signalled when a caller joins while the next group's sender lingers. */
    private final Condition joined = lock.newCondition();
    private final long lingerNanos;
    private List<Waiter> waiting = new ArrayList<>();
    private boolean sending;
    private boolean lingering;
    /** Callers in the last group sent: more than one means concurrent callers, worth lingering for. */
    private int lastGroup;

    SendGroups(Duration linger) {
        this.lingerNanos = linger.toNanos();
    }

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
        lock.lock();
        try {
            waiting.add(me);
            if (lingering) {
                joined.signal();
            }
            while (sending && !me.done) {
                try {
                    sent.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    // still in the group if it is taken: wait for its outcome without being interruptible
                    if (!waiting.remove(me)) {
                        while (!me.done) {
                            sent.awaitUninterruptibly();
                        }
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
            if (lastGroup > 1) {
                linger();
            }
            group = waiting;
            lastGroup = group.size();
            waiting = new ArrayList<>();
        } finally {
            lock.unlock();
        }
        RuntimeException failure = null;
        try {
            List<String> all = new ArrayList<>();
            group.forEach(w -> all.addAll(w.bodies));
            sender.accept(all);
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            lock.lock();
            try {
                for (Waiter w : group) {
                    w.done = true;
                    w.failure = failure;
                }
                sending = false;
                sent.signalAll();
            } finally {
                lock.unlock();
            }
        }
        outcome(me);
    }

    /** Holding the sender's turn, waits until as many callers wait as the last group had, or the linger is over. */
    private void linger() {
        lingering = true;
        try {
            long left = lingerNanos;
            while (waiting.size() < lastGroup && left > 0) {
                left = joined.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lingering = false;
        }
    }

    /** Callers waiting for the next group (tests). */
    int waiting() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the next group's sender lingers for callers now (tests). */
    boolean lingering() {
        lock.lock();
        try {
            return lingering;
        } finally {
            lock.unlock();
        }
    }

    private static void outcome(Waiter w) {
        if (w.failure != null) {
            throw w.failure;
        }
    }
}

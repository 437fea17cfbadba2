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
    /** Signalled when a caller joins while the next group's sender lingers, once the group is as large as awaited. */
    private final Condition joined = lock.newCondition();
    private final long lingerNanos;
    /** The group callers join: the one whose send comes next. */
    private Group next = new Group();
    private boolean sending;
    private boolean lingering;
    /** Callers in the last group sent: more than one means concurrent callers, worth lingering for. */
    private int lastGroup;

    SendGroups(Duration linger) {
        this.lingerNanos = linger.toNanos();
    }

    /**
     * Callers whose messages go in one send. Each group has its own condition, so that the end of a send wakes its
     * callers and one caller of the next group (its sender), never the whole next group only to put it back to
     * sleep: on two shared cores every needless wake-up costs the CPU that latency under load is made of.
     */
    private final class Group {
        final List<List<String>> bodies = new ArrayList<>();
        final Condition settled = lock.newCondition();
        boolean done;
        RuntimeException failure;

        void outcome() {
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** Sends {@code bodies} through {@code sender}, possibly together with other callers' bodies. */
    void send(List<String> bodies, Consumer<List<String>> sender) {
        Group group;
        lock.lock();
        try {
            group = next;
            group.bodies.add(bodies);
            if (lingering && group.bodies.size() >= lastGroup) {
                joined.signal();
            }
            // wait until the group is sent, or it is this group's turn and no caller of it has taken it yet
            while (!group.done && (sending || group != next)) {
                try {
                    group.settled.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    if (group == next) {
                        // not taken yet: leave it, unsent
                        group.bodies.removeIf(b -> b == bodies);
                        throw new QueueUnavailableException("interrupted before sending", e);
                    }
                    // taken: its outcome is this caller's, so wait for it without being interruptible
                    while (!group.done) {
                        group.settled.awaitUninterruptibly();
                    }
                }
            }
            if (group.done) {
                group.outcome();
                return;
            }
            sending = true;
            if (lastGroup > 1) {
                linger(group);
            }
            lastGroup = group.bodies.size();
            next = new Group();
        } finally {
            lock.unlock();
        }
        RuntimeException failure = null;
        try {
            List<String> all = new ArrayList<>();
            group.bodies.forEach(all::addAll);
            sender.accept(all);
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            lock.lock();
            try {
                group.done = true;
                group.failure = failure;
                group.settled.signalAll();
                sending = false;
                // one caller of the next group sends it; the others sleep on until it is sent
                next.settled.signal();
            } finally {
                lock.unlock();
            }
        }
        group.outcome();
    }

    /** Holding the sender's turn, waits until as many callers wait as the last group had, or the linger is over. */
    private void linger(Group group) {
        lingering = true;
        try {
            long left = lingerNanos;
            while (group.bodies.size() < lastGroup && left > 0) {
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
            return next.bodies.size();
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
}

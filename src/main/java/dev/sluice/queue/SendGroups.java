package dev.sluice.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
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
    private final int concurrency;
    /** The group callers join: the one whose send comes next. */
    private Group next = new Group();
    /** Sends on their way. */
    private int sending;
    private boolean lingering;
    /** Callers in the last group sent: more than one means concurrent callers, worth lingering for. */
    private int lastGroup;

    SendGroups(Duration linger, int concurrency) {
        this.lingerNanos = linger.toNanos();
        this.concurrency = Math.max(1, concurrency);
    }

    /**
     * Callers whose messages go in one send. Waiting callers park on their own and the end of a send unparks each of
     * them directly, and one caller of the next group (its sender): a condition's signalAll would have them take the
     * lock back one after another, each woken by the one before, and on two shared cores that convoy of wake-ups is
     * what the last caller of a group waits for.
     */
    private static final class Group {
        final List<List<String>> bodies = new ArrayList<>();
        /** Callers of this group that wait (guarded by the lock). */
        final List<Thread> waiters = new ArrayList<>();
        /** The caller that sends this group, once one does (written under the lock). */
        volatile Thread sender;
        volatile RuntimeException failure;
        /** Written after {@link #failure}, so a caller that sees it done sees the outcome. */
        volatile boolean done;

        void outcome() {
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** Sends {@code bodies} through {@code sender}, possibly together with other callers' bodies. */
    void send(List<String> bodies, Consumer<List<String>> sender) {
        Thread me = Thread.currentThread();
        Group group;
        lock.lock();
        try {
            group = next;
            group.bodies.add(bodies);
            if (lingering && group.bodies.size() >= lastGroup) {
                joined.signal();
            }
            if (group.sender == null && sending < concurrency) {
                group.sender = me;
                sending++;
            } else {
                group.waiters.add(me);
            }
        } finally {
            lock.unlock();
        }
        if (group.sender != me) {
            awaitTurnOrOutcome(group, bodies);
            if (group.done) {
                group.outcome();
                return;
            }
        }
        lock.lock();
        try {
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
        }
        List<Thread> waiters;
        Thread successor = null;
        lock.lock();
        try {
            group.failure = failure;
            group.done = true;
            waiters = group.waiters;
            sending--;
            // one caller of the next group sends it; the others wait on until it is sent
            if (next.sender == null && !next.waiters.isEmpty()) {
                successor = next.waiters.remove(0);
                next.sender = successor;
                sending++;
            }
        } finally {
            lock.unlock();
        }
        waiters.forEach(LockSupport::unpark);
        if (successor != null) {
            LockSupport.unpark(successor);
        }
        group.outcome();
    }

    /**
     * Parks until the group is sent or this caller is to send it. Interrupted before anyone took the group, the
     * caller leaves it, unsent; once it is taken its outcome is this caller's, so the caller waits it out.
     */
    private void awaitTurnOrOutcome(Group group, List<String> bodies) {
        Thread me = Thread.currentThread();
        boolean interrupted = false;
        while (!group.done && group.sender != me) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                lock.lock();
                try {
                    if (group.sender == null) {
                        group.bodies.removeIf(b -> b == bodies);
                        group.waiters.remove(me);
                        me.interrupt();
                        throw new QueueUnavailableException("interrupted before sending", new InterruptedException());
                    }
                } finally {
                    lock.unlock();
                }
                interrupted = true;
            }
        }
        if (interrupted) {
            me.interrupt();
        }
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

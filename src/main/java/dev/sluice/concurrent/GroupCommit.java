package dev.sluice.concurrent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Group commit: while one caller's work is on its way (a send to the queue, a count in Redis), the callers that arrive
 * wait, and the first of them then commits everything that waits in one go. A lone caller commits at once; under
 * concurrency (the long-running server; a Lambda instance takes one call at a time) N concurrent calls cost a few
 * requests instead of N.
 *
 * <p>When the last group had more than one caller, the next group's committer lingers until as many callers have
 * joined, at most the given linger: fuller requests cost less CPU per item, which under load shortens every caller's
 * wait more than the linger lengthens it. A caller alone (every Lambda call) never lingers.
 *
 * <p>A caller returns only once its own item is committed, or throws what the commit of its group threw: a group fails
 * or succeeds whole, so no caller is told its item is committed unless it is.
 *
 * @param <T> what a caller hands in
 */
public final class GroupCommit<T> {

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a caller joins while the next group's committer lingers, once the group is as large as awaited. */
    private final Condition joined = lock.newCondition();
    private final long lingerNanos;
    /** The group callers join: the one committed next. */
    private Group next = new Group();
    /** A group is being committed (or its committer lingers). */
    private boolean committing;
    private boolean lingering;
    /** Callers in the last group committed: more than one means concurrent callers, worth lingering for. */
    private int lastGroup;

    /** @param linger how long a group's committer waits for more callers when the last group had more than one */
    public GroupCommit(Duration linger) {
        this.lingerNanos = linger.toNanos();
    }

    /**
     * Callers whose items are committed together. Waiting callers park on their own and the end of a commit unparks
     * each of them directly, and one caller of the next group (its committer): a condition's signalAll would have them
     * take the lock back one after another, each woken by the one before, and on two shared cores that convoy of
     * wake-ups is what the last caller of a group waits for.
     */
    private final class Group {
        final List<T> items = new ArrayList<>();
        /** Callers of this group that wait (guarded by the lock). */
        final List<Thread> waiters = new ArrayList<>();
        /** The caller that commits this group, once one does (written under the lock). */
        volatile Thread committer;
        volatile RuntimeException failure;
        /** Written after {@link #failure}, so a caller that sees it done sees the outcome. */
        volatile boolean done;

        void outcome() {
            if (failure != null) {
                throw failure;
            }
        }
    }

    /**
     * Commits {@code item} through {@code commit}, possibly together with other callers' items, in their order of
     * arrival.
     *
     * @throws CancellationException when the caller is interrupted before its group is taken (it is left out of it)
     */
    public void submit(T item, Consumer<List<T>> commit) {
        Thread me = Thread.currentThread();
        Group group;
        lock.lock();
        try {
            group = next;
            group.items.add(item);
            if (lingering && group.items.size() >= lastGroup) {
                joined.signal();
            }
            if (!committing) {
                group.committer = me;
                committing = true;
            } else {
                group.waiters.add(me);
            }
        } finally {
            lock.unlock();
        }
        if (group.committer != me) {
            awaitTurnOrOutcome(group, item);
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
            lastGroup = group.items.size();
            next = new Group();
        } finally {
            lock.unlock();
        }
        RuntimeException failure = null;
        try {
            commit.accept(group.items);
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
            committing = false;
            // one caller of the next group commits it; the others wait on until it is committed
            if (!next.waiters.isEmpty()) {
                successor = next.waiters.remove(0);
                next.committer = successor;
                committing = true;
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
     * Parks until the group is committed or this caller is to commit it. Interrupted before anyone took the group, the
     * caller leaves it; once it is taken its outcome is this caller's, so the caller waits it out.
     */
    private void awaitTurnOrOutcome(Group group, T item) {
        Thread me = Thread.currentThread();
        boolean interrupted = false;
        while (!group.done && group.committer != me) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                lock.lock();
                try {
                    if (group.committer == null) {
                        group.items.removeIf(i -> i == item);
                        group.waiters.remove(me);
                        me.interrupt();
                        throw new CancellationException("interrupted before its group was committed");
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

    /** Holding the committer's turn, waits until as many callers wait as the last group had, or the linger is over. */
    private void linger(Group group) {
        lingering = true;
        try {
            long left = lingerNanos;
            while (group.items.size() < lastGroup && left > 0) {
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
            return next.items.size();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the next group's committer lingers for callers now (tests). */
    boolean lingering() {
        lock.lock();
        try {
            return lingering;
        } finally {
            lock.unlock();
        }
    }
}

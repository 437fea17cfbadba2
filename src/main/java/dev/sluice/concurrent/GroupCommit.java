package dev.sluice.concurrent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Group commit without a waiting caller: while a group's work is on its way (a send to the queue and its count in
 * Redis), the items that arrive gather, and a committer thread then commits everything gathered in one go. A lone
 * item is committed at once; under concurrency (the long-running server; a Lambda instance takes one call at a time)
 * N concurrent items cost a few requests instead of N. No caller's thread waits: a request thread hands its item in
 * and is free for other requests until its item's future completes.
 *
 * <p>When the last group had more than one item, the committer lingers until as many items have gathered, at most the
 * given linger: fuller requests cost less CPU per item, which under load shortens every item's wait more than the
 * linger lengthens it. An item alone (every Lambda call) never lingers.
 *
 * <p>Up to {@code concurrency} groups are on their way at once: with one, the machine idles while a group's request is
 * answered elsewhere; with two, the next group gathers and goes meanwhile.
 *
 * <p>A future completes only once its item is committed, or fails with what the commit of its group threw (an
 * {@link Error} included; the committer goes on with the next group): a group fails or succeeds whole, so no caller
 * is told its item is committed unless it is. Futures complete on the committer's thread; whoever must continue
 * elsewhere hands over from there.
 *
 * @param <T> what a caller hands in
 */
public final class GroupCommit<T> implements AutoCloseable {

    private record Pending<T>(T item, CompletableFuture<Void> committed) {
    }

    private final Consumer<List<T>> commit;
    private final long lingerNanos;
    private final ExecutorService committer;
    private final int concurrency;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when an item arrives while the committer lingers, once the group is as large as awaited. */
    private final Condition gathered = lock.newCondition();
    /** The items of the next group (guarded by the lock). */
    private List<Pending<T>> next = new ArrayList<>();
    /** Committers running (or about to): arriving items join the next group, one of them takes it. */
    private int running;
    /** Committers lingering now: with two at once, one that stops must not hide the other from arrivals. */
    private int lingering;
    /** Items in the last group committed: more than one means concurrent callers, worth lingering for. */
    private int lastGroup;
    private boolean closed;

    /**
     * @param name the committer thread's name
     * @param linger how long the committer waits for more items when the last group had more than one
     * @param commit commits a group's items, in their order of arrival; what it throws fails the group
     */
    public GroupCommit(String name, Duration linger, Consumer<List<T>> commit) {
        this(name, linger, 1, commit);
    }

    /** @param concurrency groups committed at once at most */
    public GroupCommit(String name, Duration linger, int concurrency, Consumer<List<T>> commit) {
        this.commit = commit;
        this.lingerNanos = linger.toNanos();
        this.concurrency = concurrency;
        this.committer = Executors.newFixedThreadPool(concurrency, task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Hands in an item; the future completes once it is committed, or fails with its group's failure. */
    public CompletableFuture<Void> submit(T item) {
        Pending<T> pending = new Pending<>(item, new CompletableFuture<>());
        boolean start;
        lock.lock();
        try {
            next.add(pending);
            if (lingering > 0 && next.size() >= lastGroup) {
                gathered.signalAll();
            }
            start = running == 0 || (running < concurrency && lingering == 0 && next.size() == 1);
            if (start) {
                running++;
            }
        } finally {
            lock.unlock();
        }
        if (start) {
            try {
                committer.execute(this::commitWhileGathered);
            } catch (RuntimeException e) { // closed: nothing will commit what has gathered
                List<Pending<T>> gatheredItems;
                lock.lock();
                try {
                    running--;
                    gatheredItems = next;
                    next = new ArrayList<>();
                } finally {
                    lock.unlock();
                }
                gatheredItems.forEach(p -> p.committed().completeExceptionally(e));
            }
        }
        return pending.committed();
    }

    /** Commits group after group until none has gathered, on a committer thread. */
    private void commitWhileGathered() {
        while (true) {
            List<Pending<T>> group;
            lock.lock();
            try {
                if (lastGroup > 1) {
                    linger();
                }
                group = next;
                if (group.isEmpty()) {
                    running--;
                    return;
                }
                next = new ArrayList<>();
                lastGroup = group.size();
            } finally {
                lock.unlock();
            }
            Throwable failure = null;
            try {
                List<T> items = new ArrayList<>(group.size());
                group.forEach(p -> items.add(p.item()));
                commit.accept(items);
            } catch (RuntimeException | Error e) { // an Error uncaught would leave the group's callers waiting forever
                failure = e;
            }
            for (Pending<T> p : group) {
                if (failure == null) {
                    p.committed().complete(null);
                } else {
                    p.committed().completeExceptionally(failure);
                }
            }
        }
    }

    /** Holding the lock, waits until as many items have gathered as the last group had, or the linger is over. */
    private void linger() {
        lingering++;
        try {
            long left = lingerNanos;
            while (!closed && next.size() < lastGroup && left > 0) {
                left = gathered.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lingering--;
        }
    }

    /** Items gathered for the next group (tests). */
    int waiting() {
        lock.lock();
        try {
            return next.size();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the committer lingers for items now (tests). */
    boolean lingering() {
        lock.lock();
        try {
            return lingering > 0;
        } finally {
            lock.unlock();
        }
    }

    /** Lets the group under way finish, then stops the committer; items handed in later fail. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            gathered.signalAll();
        } finally {
            lock.unlock();
        }
        committer.shutdown();
        try {
            committer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

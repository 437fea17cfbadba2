package dev.sluice.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

/** Group commit: every item's future tells the fate of its own group, and concurrent items coalesce. */
class GroupCommitTest {

    @Test
    void aLoneItemIsCommittedAtOnce() throws Exception {
        List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        try (GroupCommit<String> groups = new GroupCommit<>("test", Duration.ofSeconds(30), calls::add)) {
            groups.submit("a").get(10, TimeUnit.SECONDS);
            assertEquals(List.of(List.of("a")), calls);
        }
    }

    @Test
    void concurrentItemsShareCommitsAndEachIsCommittedOnce() throws Exception {
        List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        try (GroupCommit<String> groups = new GroupCommit<>("test", Duration.ZERO, all -> {
            calls.add(all);
            sleep(20);
        })) {
            Map<String, Boolean> outcome = run(groups, 32);
            List<String> committed = calls.stream().flatMap(List::stream).toList();
            assertEquals(32, committed.size());
            assertEquals(32, new HashSet<>(committed).size());
            assertTrue(outcome.values().stream().allMatch(ok -> ok));
            assertTrue(calls.size() < 32, "concurrent items coalesced: " + calls.size() + " commits for 32 items");
        }
    }

    /** A future completes normally exactly when the commit that carried its item succeeded. */
    @Test
    void aFailedCommitFailsExactlyItsItems() throws Exception {
        Set<String> delivered = ConcurrentHashMap.newKeySet();
        Set<String> failed = ConcurrentHashMap.newKeySet();
        try (GroupCommit<String> groups = new GroupCommit<>("test", Duration.ZERO, all -> {
            sleep(5);
            if (all.stream().anyMatch(body -> body.endsWith("7"))) {
                failed.addAll(all);
                throw new IllegalStateException("refused");
            }
            delivered.addAll(all);
        })) {
            // a group that succeeds for certain: the concurrent items may all share groups with a refused one
            groups.submit("alone").get(10, TimeUnit.SECONDS);
            assertTrue(delivered.contains("alone"));
            Map<String, Boolean> outcome = run(groups, 50);
            outcome.forEach((body, ok) -> assertEquals(ok, delivered.contains(body), body));
            outcome.forEach((body, ok) -> assertEquals(!ok, failed.contains(body), body));
            assertTrue(outcome.containsValue(false), "the groups of the refused items failed");
        }
    }

    /**
     * A lone item is committed at once and its caller's thread does not wait for it; once items came together, the
     * committer waits for as many as the last group had (here up to 30 s), so an item that arrives while it lingers
     * shares its commit.
     */
    @Test
    void afterConcurrentItemsTheCommitterLingersForAsManyAndALoneItemNeverWaits() throws Exception {
        List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstCommitting = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        try (GroupCommit<String> groups = new GroupCommit<>("test", Duration.ofSeconds(30), all -> {
            calls.add(all);
            if (all.contains("a")) {
                firstCommitting.countDown();
                await(releaseFirst);
            }
        })) {
            CompletableFuture<Void> a = groups.submit("a");
            // nobody came before: a is committed alone, without lingering, and the submitting thread goes on
            assertTrue(firstCommitting.await(10, TimeUnit.SECONDS), "a lone item is committed at once");
            assertFalse(a.isDone());
            CompletableFuture<Void> b = groups.submit("b");
            CompletableFuture<Void> c = groups.submit("c");
            assertEquals(2, groups.waiting());
            releaseFirst.countDown();
            CompletableFuture.allOf(a, b, c).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(List.of("a"), List.of("b", "c")), calls);

            // the last group had two items: d waits for a second one, e, and they share one commit
            CompletableFuture<Void> d = groups.submit("d");
            poll(groups::lingering);
            assertFalse(d.isDone());
            CompletableFuture<Void> e = groups.submit("e");
            CompletableFuture.allOf(d, e).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(List.of("a"), List.of("b", "c"), List.of("d", "e")), calls);
        }
    }

    /** With a concurrency of two, a second group is committed while the first is still on its way, never a third. */
    @Test
    void twoGroupsAtOnceAtMost() throws Exception {
        List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch twoCommitting = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        try (GroupCommit<String> groups = new GroupCommit<>("test", Duration.ZERO, 2, all -> {
            calls.add(all);
            if (!all.contains("c")) {
                twoCommitting.countDown();
                await(release);
            }
        })) {
            CompletableFuture<Void> a = groups.submit("a");
            poll(() -> calls.size() == 1);
            CompletableFuture<Void> b = groups.submit("b");
            assertTrue(twoCommitting.await(10, TimeUnit.SECONDS), "b is committed while a is on its way");
            CompletableFuture<Void> c = groups.submit("c");
            Thread.sleep(200);
            assertFalse(c.isDone(), "no third group while two are on their way");
            assertEquals(1, groups.waiting());
            release.countDown();
            CompletableFuture.allOf(a, b, c).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(List.of("a"), List.of("b"), List.of("c")), calls);
        }
    }

    @Test
    void theFailureReachesTheCaller() {
        try (GroupCommit<String> groups = new GroupCommit<>("test", Duration.ZERO, all -> {
            throw new IllegalStateException("down");
        })) {
            ExecutionException failure = assertThrows(ExecutionException.class,
                    () -> groups.submit("x").get(10, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, failure.getCause());
        }
    }

    /** An Error in a commit (a class missing from a trimmed package, say) fails its group; it leaves no one waiting. */
    @Test
    void anErrorInACommitFailsItsGroupAndTheNextGroupIsCommitted() throws Exception {
        List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        try (GroupCommit<String> groups = new GroupCommit<>("test", Duration.ZERO, all -> {
            if (all.contains("broken")) {
                throw new NoClassDefFoundError("a/Missing");
            }
            calls.add(all);
        })) {
            ExecutionException failure = assertThrows(ExecutionException.class,
                    () -> groups.submit("broken").get(10, TimeUnit.SECONDS));
            assertInstanceOf(NoClassDefFoundError.class, failure.getCause());
            groups.submit("next").get(10, TimeUnit.SECONDS);
            assertEquals(List.of(List.of("next")), calls);
        }
    }

    /** Closing lets the group under way finish; what is handed in afterwards fails rather than wait forever. */
    @Test
    void closingFinishesTheGroupUnderWayAndRefusesLaterItems() throws Exception {
        List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch committing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        GroupCommit<String> groups = new GroupCommit<>("test", Duration.ZERO, all -> {
            calls.add(all);
            committing.countDown();
            await(release);
        });
        CompletableFuture<Void> a = groups.submit("a");
        assertTrue(committing.await(10, TimeUnit.SECONDS));
        Thread closer = new Thread(groups::close);
        closer.start();
        release.countDown();
        closer.join(30_000);
        a.get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> late = groups.submit("late");
        assertTrue(late.isCompletedExceptionally());
        assertEquals(List.of(List.of("a")), calls);
    }

    /** {@code items} threads, released together, each handing in one item {@code m<i>}; true where it committed. */
    private static Map<String, Boolean> run(GroupCommit<String> groups, int items) throws InterruptedException {
        Map<String, Boolean> outcome = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            String body = "m" + i;
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    groups.submit(body).get(30, TimeUnit.SECONDS);
                    outcome.put(body, true);
                } catch (ExecutionException e) {
                    outcome.put(body, false);
                } catch (Exception e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
            threads.add(t);
        }
        start.countDown();
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertEquals(items, outcome.size(), "every item got an answer");
        return outcome;
    }

    private static void poll(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 1000 && !condition.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.sluice.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/** Group commit: every caller learns the fate of its own item, and concurrent calls coalesce. */
class GroupCommitTest {

    private final GroupCommit<String> groups = new GroupCommit<>(Duration.ZERO);

    @Test
    void aLoneCallerSendsItsOwnMessagesAtOnce() {
        List<List<String>> calls = new ArrayList<>();
        groups.submit("a", calls::add);
        assertEquals(List.of(List.of("a")), calls);
    }

    @Test
    void concurrentCallersShareSendsAndEachMessageIsSentOnce() throws InterruptedException {
        List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        Map<String, Boolean> outcome = run(32, all -> {
            calls.add(all);
            sleep(20);
        });
        List<String> sent = calls.stream().flatMap(List::stream).toList();
        assertEquals(32, sent.size());
        assertEquals(32, new HashSet<>(sent).size());
        assertTrue(outcome.values().stream().allMatch(ok -> ok));
        assertTrue(calls.size() < 32, "concurrent calls coalesced: " + calls.size() + " sends for 32 callers");
    }

    /** A caller returns normally exactly when the send that carried its message succeeded. */
    @Test
    void aFailedSendFailsExactlyItsCallers() throws InterruptedException {
        Set<String> delivered = ConcurrentHashMap.newKeySet();
        Set<String> failed = ConcurrentHashMap.newKeySet();
        Map<String, Boolean> outcome = run(50, all -> {
            sleep(5);
            if (all.stream().anyMatch(body -> body.endsWith("7"))) {
                failed.addAll(all);
                throw new IllegalStateException("refused");
            }
            delivered.addAll(all);
        });
        outcome.forEach((body, ok) -> assertEquals(ok, delivered.contains(body), body));
        outcome.forEach((body, ok) -> assertEquals(!ok, failed.contains(body), body));
        assertTrue(outcome.containsValue(false) && outcome.containsValue(true));
    }

    /**
     * A lone caller sends at once; once callers came together, the next sender waits for as many as the last group
     * had (here up to 30 s), so a caller that arrives while it lingers shares its send.
     */
    @Test
    void afterConcurrentCallersTheNextSenderLingersForAsManyAndALoneCallerNeverDoes() throws Exception {
        GroupCommit<String> lingering = new GroupCommit<>(Duration.ofSeconds(30));
        List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstSending = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Thread a = caller(lingering, "a", all -> {
            calls.add(all);
            firstSending.countDown();
            await(releaseFirst);
        });
        // nobody came before: a sends alone, without lingering
        assertTrue(firstSending.await(10, TimeUnit.SECONDS), "a lone caller sends at once");
        Thread b = caller(lingering, "b", calls::add);
        Thread c = caller(lingering, "c", calls::add);
        poll(() -> lingering.waiting() == 2);
        releaseFirst.countDown();
        a.join();
        b.join();
        c.join();
        assertEquals(List.of(List.of("a"), List.of("b", "c")), sortedGroups(calls));

        // the last group had two callers: d waits for a second one, e, and they share one send
        Thread d = caller(lingering, "d", calls::add);
        poll(lingering::lingering);
        Thread e = caller(lingering, "e", calls::add);
        d.join();
        e.join();
        assertEquals(List.of(List.of("a"), List.of("b", "c"), List.of("d", "e")), sortedGroups(calls));
    }

    /** A caller interrupted while its group waits for its turn leaves the group, unsent, and is told so. */
    @Test
    void aCallerInterruptedBeforeItsGroupIsSentLeavesIt() throws Exception {
        List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch sending = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Consumer<List<String>> blocking = blockingSender(calls, sending, release);
        Map<String, String> outcome = new ConcurrentHashMap<>();
        Thread a = outcomeCaller("a", blocking, outcome);
        assertTrue(sending.await(10, TimeUnit.SECONDS));
        Thread b = outcomeCaller("b", blocking, outcome);
        Thread c = outcomeCaller("c", blocking, outcome);
        Thread d = outcomeCaller("d", blocking, outcome);
        poll(() -> groups.waiting() == 3);
        b.interrupt();
        b.join();
        assertEquals("left", outcome.get("b"));
        assertEquals(2, groups.waiting());
        release.countDown();
        for (Thread t : List.of(a, c, d)) {
            t.join();
        }
        assertEquals(Map.of("a", "sent", "b", "left", "c", "sent", "d", "sent"), outcome);
        assertEquals(List.of(List.of("a"), List.of("c", "d")), sortedGroups(calls));
    }

    /** Once a caller's group is on its way, an interrupt no longer takes it out: it learns what the send did. */
    @Test
    void aCallerInterruptedWhileItsGroupIsSentLearnsItsOutcome() throws Exception {
        List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstSending = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Map<String, String> outcome = new ConcurrentHashMap<>();
        Thread a = outcomeCaller("a", blockingSender(calls, firstSending, releaseFirst), outcome);
        assertTrue(firstSending.await(10, TimeUnit.SECONDS));
        CountDownLatch groupSending = new CountDownLatch(1);
        CountDownLatch releaseGroup = new CountDownLatch(1);
        Consumer<List<String>> blocking = blockingSender(calls, groupSending, releaseGroup);
        Thread b = outcomeCaller("b", blocking, outcome);
        Thread c = outcomeCaller("c", blocking, outcome);
        poll(() -> groups.waiting() == 2);
        releaseFirst.countDown();
        assertTrue(groupSending.await(10, TimeUnit.SECONDS));
        b.interrupt();
        c.interrupt();
        releaseGroup.countDown();
        for (Thread t : List.of(a, b, c)) {
            t.join();
        }
        assertEquals(Map.of("a", "sent", "b", "sent", "c", "sent"), outcome);
        assertEquals(List.of(List.of("a"), List.of("b", "c")), sortedGroups(calls));
    }

    /** A sender that records its call, says it is sending, and returns once released (interrupts or not). */
    private static Consumer<List<String>> blockingSender(List<List<String>> calls, CountDownLatch sending,
            CountDownLatch release) {
        return all -> {
            calls.add(all);
            sending.countDown();
            boolean interrupted = false;
            while (true) {
                try {
                    release.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** A caller of {@link #groups} that records "sent" or "refused" for its body. */
    private Thread outcomeCaller(String body, Consumer<List<String>> sender, Map<String, String> outcome) {
        Thread t = new Thread(() -> {
            try {
                groups.submit(body, sender);
                outcome.put(body, "sent");
            } catch (CancellationException e) {
                outcome.put(body, "left");
            } catch (RuntimeException e) {
                outcome.put(body, "refused");
            }
        });
        t.start();
        return t;
    }

    private static Thread caller(GroupCommit<String> groups, String body, Consumer<List<String>> sender) {
        Thread t = new Thread(() -> groups.submit(body, sender));
        t.start();
        return t;
    }

    private static List<List<String>> sortedGroups(List<List<String>> calls) {
        return calls.stream().map(call -> call.stream().sorted().toList()).toList();
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

    @Test
    void theFailureReachesTheCaller() {
        assertThrows(IllegalStateException.class, () -> groups.submit("x", all -> {
            throw new IllegalStateException("down");
        }));
    }

    /** {@code callers} threads, released together, each sending one message {@code m<i>}; true where it returned. */
    private Map<String, Boolean> run(int callers, Consumer<List<String>> sender) throws InterruptedException {
        Map<String, Boolean> outcome = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            String body = "m" + i;
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    groups.submit(body, sender);
                    outcome.put(body, true);
                } catch (RuntimeException e) {
                    outcome.put(body, false);
                } catch (InterruptedException e) {
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
        assertEquals(callers, outcome.size(), "every caller got an answer");
        return outcome;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.sluice.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/** Group commit of queue sends: every caller learns the fate of its own messages, and concurrent calls coalesce. */
class SendGroupsTest {

    private final SendGroups groups = new SendGroups();

    @Test
    void aLoneCallerSendsItsOwnMessagesAtOnce() {
        List<List<String>> calls = new ArrayList<>();
        groups.send(List.of("a", "b"), calls::add);
        assertEquals(List.of(List.of("a", "b")), calls);
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
                throw new QueueUnavailableException("refused", null);
            }
            delivered.addAll(all);
        });
        outcome.forEach((body, ok) -> assertEquals(ok, delivered.contains(body), body));
        outcome.forEach((body, ok) -> assertEquals(!ok, failed.contains(body), body));
        assertTrue(outcome.containsValue(false) && outcome.containsValue(true));
    }

    @Test
    void theFailureReachesTheCaller() {
        assertThrows(QueueUnavailableException.class, () -> groups.send(List.of("x"), all -> {
            throw new QueueUnavailableException("down", null);
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
                    groups.send(List.of(body), sender);
                    outcome.put(body, true);
                } catch (QueueUnavailableException e) {
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

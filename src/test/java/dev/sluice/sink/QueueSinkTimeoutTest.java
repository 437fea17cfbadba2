package dev.sluice.sink;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.config.SluiceConfig;
import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;
import dev.sluice.ledger.AcceptedLedger;
import dev.sluice.queue.EventQueue;
import dev.sluice.queue.MessageCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * An ingest call is always answered: when the queue holds its send up (a stuck connection, a committer that never
 * returns), the call fails with 503 after {@code sluice.queue.send-timeout} instead of waiting forever. A real queue
 * cannot be made to hang on demand, so the queue here never returns.
 */
class QueueSinkTimeoutTest {

    @Test
    void aSendHeldUpIsAnswered503AfterTheSendTimeout() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        EventQueue stuck = (EventQueue) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {EventQueue.class}, (proxy, method, args) -> {
                    never.await();
                    return null;
                });
        Map<String, Object> queueSettings = Map.of("sendLinger", Duration.ZERO, "sendConcurrency", 2,
                "sendTimeout", Duration.ofMillis(200), "maxMessageBytes", 245_760);
        SluiceConfig.Queue queue = (SluiceConfig.Queue) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SluiceConfig.Queue.class},
                (proxy, method, args) -> queueSettings.get(method.getName()));
        SluiceConfig config = (SluiceConfig) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SluiceConfig.class}, (proxy, method, args) -> queue);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ObjectMapper mapper = new ObjectMapper();
        QueueSink sink = new QueueSink(stuck, new MessageCodec(mapper, config), new AcceptedLedger(null, config,
                registry), config, registry);
        TrackedEvent event = new TrackedEvent("t-1", EventKind.AI_USAGE, "u",
                mapper.createObjectNode().put("userId", "u").put("receivedAt", "2026-12-06T00:00:00Z"));
        try {
            SinkUnavailableException e = assertThrows(SinkUnavailableException.class,
                    () -> sink.accept(List.of(event)).await().atMost(Duration.ofSeconds(30)));
            assertTrue(e.getMessage().contains("within 200 ms"), e.getMessage());
            org.junit.jupiter.api.Assertions.assertEquals(1,
                    registry.get("sluice.queue.send.failures").counter().count());
        } finally {
            never.countDown();
            sink.stop();
        }
    }
}

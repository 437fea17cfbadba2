package dev.sluice.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.config.SluiceConfig;
import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;

/** Messages of a send group: merged bodies hold the same events, in order, and never exceed the size limit. */
class MessageCodecTest {

    private static final int MAX_BYTES = 2_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MessageCodec codec = new MessageCodec(JSON, config(MAX_BYTES));

    private static SluiceConfig config(int maxBytes) {
        SluiceConfig.Queue queue = (SluiceConfig.Queue) Proxy.newProxyInstance(
                MessageCodecTest.class.getClassLoader(), new Class<?>[] { SluiceConfig.Queue.class },
                (p, m, a) -> m.getName().equals("maxMessageBytes") ? maxBytes : null);
        return (SluiceConfig) Proxy.newProxyInstance(MessageCodecTest.class.getClassLoader(),
                new Class<?>[] { SluiceConfig.class }, (p, m, a) -> m.getName().equals("queue") ? queue : null);
    }

    private static TrackedEvent event(int i) {
        ObjectNode doc = JSON.createObjectNode().put("userId", "u" + i).put("model", "m").put("inputTokens", i)
                .put("note", "é".repeat(i % 7) + "€🐎".repeat(i % 3));
        return new TrackedEvent("e" + i, EventKind.AI_USAGE, "u" + i, doc);
    }

    private List<TrackedEvent> unpackAll(List<String> bodies) {
        List<TrackedEvent> events = new ArrayList<>();
        bodies.forEach(body -> events.addAll(codec.unpack(body)));
        return events;
    }

    @Test
    void mergedBodiesHoldTheSameEventsInOrderWithinTheLimit() {
        List<String> bodies = new ArrayList<>();
        List<TrackedEvent> sent = new ArrayList<>();
        for (int call = 0; call < 40; call++) {
            List<TrackedEvent> events = new ArrayList<>();
            for (int i = 0; i < 1 + call % 4; i++) {
                events.add(event(call * 10 + i));
            }
            sent.addAll(events);
            bodies.addAll(codec.pack(events));
        }
        List<String> merged = codec.merge(bodies);

        assertTrue(merged.size() < bodies.size() / 4, merged.size() + " messages for " + bodies.size() + " calls");
        merged.forEach(body -> assertTrue(body.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES));
        assertEquals(sent.stream().map(TrackedEvent::id).toList(),
                unpackAll(merged).stream().map(TrackedEvent::id).toList());
        assertEquals(sent.stream().map(e -> e.doc().toString()).toList(),
                unpackAll(merged).stream().map(e -> e.doc().toString()).toList());
    }

    @Test
    void bodiesAreMeasuredAsTheyAreEncoded() {
        char[] chars = { 'a', '"', '\0', 'é', '€', '\uFFFF', '\uD83D', '\uDC0E' };
        Random random = new Random(3);
        for (int i = 0; i < 50_000; i++) {
            StringBuilder text = new StringBuilder();
            for (int c = random.nextInt(12); c > 0; c--) {
                text.append(chars[random.nextInt(chars.length)]);
            }
            assertEquals(text.toString().getBytes(StandardCharsets.UTF_8).length, MessageCodec.utf8Length(text),
                    () -> text.chars().mapToObj(Integer::toHexString).toList().toString());
        }
    }

    @Test
    void aBodyOfAnotherFormStaysAsItIs() {
        String a = codec.pack(List.of(event(1))).get(0);
        String b = codec.pack(List.of(event(2))).get(0);
        List<String> merged = codec.merge(List.of(a, "not a message", b));
        assertEquals(List.of(a, "not a message", b), merged);
    }
}

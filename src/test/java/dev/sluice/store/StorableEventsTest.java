package dev.sluice.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.SplittableRandom;

import jakarta.inject.Inject;

import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.api.InvalidRequestException;
import dev.sluice.event.TrackedEvent;
import dev.sluice.ingest.AiUsageParser;
import dev.sluice.ingest.PayloadTooLargeException;
import dev.sluice.ingest.SegmentParser;
import dev.sluice.queue.MessageCodec;
import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * What ingest accepts, MongoDB can store: generated events, hostile where they can be (deep nesting, operator and
 * dotted keys, NUL, huge numbers, times from year -300,000,000 to +300,000,000, long user ids), go through the parsers
 * ingest uses; every one accepted then crosses the queue's message format as the flush reads it, is built into its
 * document and encoded with nothing refused, and is inserted with nothing failed. Against a real MongoDB
 * ({@code MONGODB_URI}) the insert is MongoDB's own verdict; the stand-in does not enforce nesting or size, so the
 * encoding checks MongoDB's documented limits itself ({@link EventDocuments#encode}). {@code -Dstorable.rounds},
 * {@code -Dstorable.seed}.
 */
@QuarkusTest
class StorableEventsTest extends PipelineTest {

    private static final int ROUNDS = Integer.getInteger("storable.rounds", 1500);
    private static final long SEED = Long.getLong("storable.seed", 20261206L);
    private static final List<String> KEYS = List.of("a", "$gt", "$where", "a.b", ".", "", "\u0000k", "k\u0000",
            "ünï", "😀", "_id", "__proto__", "x".repeat(300));

    @Inject
    AiUsageParser aiUsage;
    @Inject
    SegmentParser segment;
    @Inject
    MessageCodec codec;
    @Inject
    EventStore store;
    @Inject
    ObjectMapper mapper;

    @Test
    void everyEventIngestAcceptsIsStored() throws Exception {
        SplittableRandom r = new SplittableRandom(SEED);
        int accepted = 0;
        int refused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            boolean ai = r.nextBoolean();
            byte[] body = mapper.writeValueAsBytes(ai ? aiRecord(r, round) : segmentEvent(r, round));
            List<TrackedEvent> events;
            try {
                events = ai ? aiUsage.parse(body) : segment.parseSingle("track", body, key -> {
                });
            } catch (InvalidRequestException | PayloadTooLargeException e) {
                refused++;
                continue;
            }
            accepted++;
            // as the flush reads them back from the queue
            List<TrackedEvent> queued = codec.unpack(codec.pack(events).get(0));
            PreparedChunk chunk = store.prepare(queued.get(0).kind(), queued, new ObjectId());
            assertEquals(List.of(), List.copyOf(chunk.unstorable().values()), "refused: " + new String(body,
                    StandardCharsets.UTF_8));
            InsertResult result = store.insert(chunk);
            assertEquals(0, result.failedCount(), new String(body, StandardCharsets.UTF_8));
            assertEquals(List.of(), List.copyOf(result.rejected().values()), new String(body, StandardCharsets.UTF_8));
            assertEquals(events.size(), result.inserted());
        }
        assertTrue(accepted > ROUNDS / 5 && refused > ROUNDS / 5, "both kinds generated: " + accepted + " accepted, "
                + refused + " refused");
    }

    private ObjectNode aiRecord(SplittableRandom r, int round) {
        ObjectNode item = mapper.createObjectNode();
        item.put("eventId", "s-" + round);
        item.put("userId", "u".repeat(1 + r.nextInt(r.nextInt(10) == 0 ? 300 : 20)));
        item.put("model", "m");
        item.put("inputTokens", r.nextInt(1000));
        item.put("outputTokens", r.nextInt(1000));
        time(r, item, "timestamp");
        if (r.nextBoolean()) {
            item.set("metadata", object(r, r.nextInt(4) == 0 ? 40 + r.nextInt(40) : r.nextInt(6)));
        }
        return item;
    }

    private ObjectNode segmentEvent(SplittableRandom r, int round) {
        ObjectNode item = mapper.createObjectNode();
        item.put("messageId", "s-" + round);
        item.put("userId", "u".repeat(1 + r.nextInt(r.nextInt(10) == 0 ? 300 : 20)));
        item.put("event", KEYS.get(r.nextInt(KEYS.size())).isEmpty() ? "e" : "Clicked");
        time(r, item, "timestamp");
        if (r.nextInt(3) == 0) {
            time(r, item, "sentAt");
        }
        item.set("properties", object(r, r.nextInt(4) == 0 ? 40 + r.nextInt(40) : r.nextInt(6)));
        if (r.nextBoolean()) {
            item.set("context", object(r, r.nextInt(4)));
        }
        return item;
    }

    private void time(SplittableRandom r, ObjectNode item, String field) {
        Instant now = Instant.now();
        switch (r.nextInt(9)) {
            case 0 -> item.put(field, "-300000000-01-01T00:00:00Z");
            case 1 -> item.put(field, "+300000000-01-01T00:00:00Z");
            case 2 -> item.put(field, "1970-01-01T00:00:00Z");
            case 3 -> item.put(field, "9999-12-31T23:59:59Z");
            case 4 -> item.put(field, now.getEpochSecond());
            case 5 -> item.put(field, now.minus(r.nextInt(3700), ChronoUnit.DAYS).toString());
            case 6 -> item.put(field, now.plus(r.nextInt(600), ChronoUnit.SECONDS).toString());
            case 7 -> item.put(field, "2026-12-06T10:00:00+14:00");
            default -> {
                // no time: now
            }
        }
    }

    /** An object nesting {@code depth} levels, with hostile keys and values along the way. */
    private JsonNode object(SplittableRandom r, int depth) {
        ObjectNode node = mapper.createObjectNode();
        int fields = 1 + r.nextInt(3);
        for (int f = 0; f < fields; f++) {
            String key = KEYS.get(r.nextInt(KEYS.size())) + (f == 0 ? "" : f);
            if (f == 0 && depth > 0) {
                node.set(key, r.nextInt(4) == 0 ? array(r, depth - 1) : object(r, depth - 1));
            } else {
                node.set(key, scalar(r));
            }
        }
        return node;
    }

    private JsonNode array(SplittableRandom r, int depth) {
        ArrayNode array = mapper.createArrayNode();
        array.add(depth > 0 ? object(r, depth - 1) : scalar(r));
        array.add(scalar(r));
        return array;
    }

    private JsonNode scalar(SplittableRandom r) {
        return switch (r.nextInt(8)) {
            case 0 -> mapper.getNodeFactory().textNode("a\u0000b");
            case 1 -> mapper.getNodeFactory().numberNode(new BigInteger("9".repeat(1 + r.nextInt(60))));
            case 2 -> mapper.getNodeFactory().numberNode(r.nextLong());
            case 3 -> mapper.getNodeFactory().numberNode(Double.MAX_VALUE);
            case 4 -> mapper.getNodeFactory().booleanNode(r.nextBoolean());
            case 5 -> mapper.getNodeFactory().nullNode();
            case 6 -> mapper.getNodeFactory().textNode("😀 ünï " + "x".repeat(r.nextInt(50)));
            default -> mapper.getNodeFactory().numberNode(new java.math.BigDecimal("1e" + r.nextInt(7000)));
        };
    }
}

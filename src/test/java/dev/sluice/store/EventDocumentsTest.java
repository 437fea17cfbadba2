package dev.sluice.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;

import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.Codec;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.MongoClientSettings;

import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;

/**
 * The fast paths of event documents agree with the general ones: the reading of stored times with
 * {@link Instant#parse} wherever it answers, the encoding with the driver's codec byte for byte.
 */
class EventDocumentsTest {

    private static final Codec<Document> DRIVER = MongoClientSettings.getDefaultCodecRegistry().get(Document.class);

    @Test
    void encodesAnEventAsTheDriverDoes() throws Exception {
        ObjectNode doc = (ObjectNode) new ObjectMapper().readTree("""
                {"userId":"u-1","model":"gpt-4o","inputTokens":1200,"big":12345678901,"costUsd":0.0123,
                 "exact":123456789012345678901234567890.5,"huge":123456789012345678901234567890,
                 "timestamp":"2026-11-27T07:00:00.123Z","receivedAt":"2026-11-27T07:00:01Z","sentAt":"not a time",
                 "ok":true,"none":null,"metadata":{"a.b":"dot","$set":"dollar","nul\\u0000":"nul","nested":{"x":[1,
                 2.5,"three",{"y":false},[null]]},"empty":{},"list":[]},"text":"žluťoučký kůň 🐎"}""");
        for (ObjectId fold : List.of(new ObjectId(), new ObjectId(new Date(0)))) {
            assertSameBytes(EventDocuments.toDocument(new TrackedEvent("e-1", EventKind.AI_USAGE, "u-1", doc), fold));
        }
        assertSameBytes(EventDocuments.toDocument(new TrackedEvent("e-2", EventKind.ANALYTICS, "u-1", doc)));
    }

    @Test
    void encodesValuesOfOtherTypesWithTheirCodecs() {
        assertSameBytes(new Document("_id", 1).append("at", new BsonTimestamp(7, 1))
                .append("in", List.of(new Document("n", new BsonTimestamp(8, 2)))));
    }

    @Test
    void encodesRandomDocumentsAsTheDriverDoes() {
        Random random = new Random(11);
        for (int i = 0; i < 2_000; i++) {
            assertSameBytes(randomDocument(random, 3));
        }
    }

    private static Document randomDocument(Random random, int depth) {
        Document document = new Document();
        int fields = random.nextInt(8);
        for (int f = 0; f < fields; f++) {
            document.append("f" + f + (char) ('a' + random.nextInt(26)), randomValue(random, depth));
        }
        return document;
    }

    private static Object randomValue(Random random, int depth) {
        return switch (random.nextInt(depth > 0 ? 12 : 10)) {
            case 0 -> null;
            case 1 -> "s" + random.nextLong();
            case 2 -> random.nextInt();
            case 3 -> random.nextLong();
            case 4 -> random.nextDouble() * 1e6;
            case 5 -> random.nextBoolean();
            case 6 -> new Date(random.nextLong(-4_000_000_000_000L, 4_000_000_000_000L));
            case 7 -> new Decimal128(BigDecimal.valueOf(random.nextLong(), random.nextInt(12)));
            case 8 -> new ObjectId();
            case 9 -> "";
            case 10 -> randomDocument(random, depth - 1);
            default -> {
                List<Object> list = new ArrayList<>();
                for (int e = random.nextInt(5); e > 0; e--) {
                    list.add(randomValue(random, depth - 1));
                }
                yield list;
            }
        };
    }

    private static void assertSameBytes(Document document) {
        assertArrayEquals(bytes(new RawBsonDocument(document, DRIVER)), bytes(EventDocuments.encode(document)),
                document::toJson);
    }

    private static byte[] bytes(RawBsonDocument document) {
        ByteBuffer buffer = document.getByteBuffer().asNIO();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    @ParameterizedTest
    @ValueSource(strings = { "2026-11-27T07:00:00Z", "2026-11-27T07:00:00.1Z", "2026-11-27T07:00:00.12Z",
            "2026-11-27T07:00:00.123Z", "2026-11-27T07:00:00.123456789Z", "2024-02-29T23:59:59.999Z",
            "1969-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z" })
    void readsWhatInstantReads(String iso) {
        assertEquals(Date.from(Instant.parse(iso)), EventDocuments.parseUtc(iso));
    }

    @ParameterizedTest
    @ValueSource(strings = { "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
            "2026-11-27T24:00:00Z", "2026-11-27T07:60:00Z", "2026-11-27T07:00:60Z", "2026-11-27T07:00:00.Z",
            "2026-11-27T07:00:00.1234567890Z", "2026-11-27T07:00:00+01:00", "2026-11-27 07:00:00Z",
            "2026-11-27T07:00:0xZ", "2026-11-27T07:00:00,5Z", "+2026-11-27T07:00:00Z", "yesterday" })
    void leavesEverythingElseToTheGeneralParser(String text) {
        assertNull(EventDocuments.parseUtc(text));
    }

    @Test
    void agreesOnRandomTimes() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            Instant at = Instant.ofEpochSecond(random.nextLong(-2_000_000_000L, 4_000_000_000L),
                    List.of(0, 100_000_000, 120_000_000, 123_000_000, 123_456_000, 123_456_789).get(i % 6));
            assertEquals(Date.from(at), EventDocuments.parseUtc(at.toString()), at::toString);
        }
    }
}

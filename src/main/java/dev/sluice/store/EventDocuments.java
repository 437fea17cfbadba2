package dev.sluice.store;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.bson.BsonBinaryWriter;
import org.bson.BsonWriter;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.Encoder;
import org.bson.codecs.EncoderContext;
import org.bson.codecs.configuration.CodecRegistry;
import org.bson.io.BasicOutputBuffer;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.MongoClientSettings;

import dev.sluice.event.TrackedEvent;

/**
 * Turns an event into the document stored in MongoDB: its id as {@code _id}, the top-level date fields as BSON dates,
 * and everything the client sent ({@code metadata}, {@code properties}, {@code traits}, {@code context}) as plain data.
 * Field names are escaped so that data can never act as an operator or a path: a leading {@code $} becomes U+FF04
 * (＄), a {@code .} becomes U+FF0E (．), and a NUL, which BSON names cannot hold, becomes U+FFFD.
 */
public final class EventDocuments {

    /** Top-level fields stored as BSON dates, so that range queries and TTL indexes work on them. */
    static final Set<String> DATE_FIELDS = Set.of("timestamp", "receivedAt", "sentAt");

    /**
     * Marks a stored event not yet counted in the rollups; every event is stored with it. A fold replaces it with
     * {@link #FOLD} and removes that once the event is counted (see {@code dev.sluice.rollup.Rollups}).
     */
    public static final String PENDING = "_p";
    /** The id of the fold that counts a {@link #PENDING} event, while that fold is under way. */
    public static final String FOLD = "_f";
    /**
     * The id of the fold that stored the event and counts it: set by the insert, so that the insert is the claim. It
     * stays; the fold's journal says whether the fold is under way.
     */
    public static final String STORED_BY = "_s";

    /** Levels of nesting MongoDB stores in a document at most ("Limits and Thresholds"); the document is one. */
    static final int MAX_NESTING = 100;
    /** Bytes of BSON in one document at most (16 MiB, "Limits and Thresholds"). */
    static final int MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

    /** The driver's codecs, for a value of a type {@link #encode} does not write itself. */
    private static final CodecRegistry CODECS = MongoClientSettings.getDefaultCodecRegistry();
    private static final EncoderContext CONTEXT = EncoderContext.builder().build();

    private EventDocuments() {
    }

    /** The document of an event to be counted by a later fold: marked {@link #PENDING}. */
    public static Document toDocument(TrackedEvent event) {
        return toDocument(event, PENDING, true);
    }

    /** The document of an event that {@code fold} stores and counts: marked {@link #STORED_BY}. */
    public static Document toDocument(TrackedEvent event, ObjectId fold) {
        return toDocument(event, STORED_BY, fold);
    }

    /**
     * The {@code _id} an event is stored under: its id within its user, {@code {user, id}}, so that two users' events
     * never share an id (one user cannot claim the id of another's event) while a resend of the same user's event is
     * the same key. Events from messages written before ids were scoped (version 1) keep the id alone, as they were
     * stored then, so their redeliveries are still recognised.
     */
    public static Object storedId(TrackedEvent event) {
        return event.scopedId() ? new Document("user", event.userId()).append("id", event.id()) : event.id();
    }

    private static Document toDocument(TrackedEvent event, String marker, Object mark) {
        Document doc = new Document("_id", storedId(event));
        doc.put(marker, mark);
        for (Iterator<Map.Entry<String, JsonNode>> it = event.doc().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            if (DATE_FIELDS.contains(field.getKey()) && value.isTextual()) {
                doc.put(field.getKey(), toDate(value.asText()));
            } else {
                doc.put(escape(field.getKey()), toBson(value));
            }
        }
        return doc;
    }

    /**
     * A document encoded to BSON: the very bytes of the driver's {@code DocumentCodec}, written without looking up a
     * codec for every value (those lookups were a fifth of a flush's CPU). The types of an event document are written
     * here; a value of any other type is left to its codec.
     */
    public static RawBsonDocument encode(Document document) {
        BasicOutputBuffer buffer = new BasicOutputBuffer(1024);
        try (BsonBinaryWriter writer = new BsonBinaryWriter(buffer)) {
            writeDocument(writer, document, 1);
        }
        if (buffer.getPosition() > MAX_DOCUMENT_BYTES) {
            throw new IllegalArgumentException("its document is " + buffer.getPosition()
                    + " bytes of BSON, MongoDB stores at most " + MAX_DOCUMENT_BYTES);
        }
        return new RawBsonDocument(buffer.getInternalBuffer(), 0, buffer.getPosition());
    }

    /** Writes a document at nesting level {@code depth} (the stored document is 1), refusing what MongoDB would. */
    private static void writeDocument(BsonWriter writer, Document document, int depth) {
        nested(depth);
        writer.writeStartDocument();
        for (Map.Entry<String, Object> field : document.entrySet()) {
            writer.writeName(field.getKey());
            writeValue(writer, field.getValue(), depth);
        }
        writer.writeEndDocument();
    }

    private static void nested(int depth) {
        if (depth > MAX_NESTING) {
            throw new IllegalArgumentException("it nests deeper than the " + MAX_NESTING
                    + " levels MongoDB stores in a document");
        }
    }

    @SuppressWarnings("unchecked")
    private static void writeValue(BsonWriter writer, Object value, int depth) {
        if (value == null) {
            writer.writeNull();
        } else if (value instanceof String string) {
            writer.writeString(string);
        } else if (value instanceof Integer number) {
            writer.writeInt32(number);
        } else if (value instanceof Long number) {
            writer.writeInt64(number);
        } else if (value instanceof Double number) {
            writer.writeDouble(number);
        } else if (value instanceof Boolean bool) {
            writer.writeBoolean(bool);
        } else if (value instanceof Date date) {
            writer.writeDateTime(date.getTime());
        } else if (value instanceof Decimal128 decimal) {
            writer.writeDecimal128(decimal);
        } else if (value instanceof ObjectId id) {
            writer.writeObjectId(id);
        } else if (value instanceof Document document) {
            writeDocument(writer, document, depth + 1);
        } else if (value instanceof List<?> list) {
            nested(depth + 1);
            writer.writeStartArray();
            for (Object element : list) {
                writeValue(writer, element, depth + 1);
            }
            writer.writeEndArray();
        } else {
            ((Encoder<Object>) CODECS.get(value.getClass())).encode(writer, value, CONTEXT);
        }
    }

    /** A field name that can never act as an operator or a path (see the class comment). */
    public static String escape(String name) {
        if (name.isEmpty()) {
            return name;
        }
        String escaped = name.replace('.', '\uFF0E').replace('\0', '\uFFFD');
        return escaped.charAt(0) == '$' ? '\uFF04' + escaped.substring(1) : escaped;
    }

    /** The name {@link #escape} was given; {@code NUL} stays U+FFFD. */
    public static String unescape(String name) {
        String plain = name.replace('\uFF0E', '.');
        return !plain.isEmpty() && plain.charAt(0) == '\uFF04' ? '$' + plain.substring(1) : plain;
    }

    /**
     * A date field as a BSON date. Ingest accepts only times within years of now, but a message may come from
     * elsewhere (a replayed dead letter, an older version): a time MongoDB cannot hold as 64-bit milliseconds fails
     * the event, alone ({@code Date.from} throws), rather than being stored as something else.
     */
    private static Object toDate(String iso) {
        Date fast = parseUtc(iso);
        if (fast != null) {
            return fast;
        }
        try {
            return Date.from(Instant.parse(iso));
        } catch (DateTimeParseException e) {
            return iso;
        } catch (ArithmeticException | IllegalArgumentException e) {
            throw new IllegalArgumentException("its time " + iso + " is outside the dates MongoDB stores");
        }
    }

    /**
     * {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}, the form of every server-assigned time and of most clients', read
     * without the general ISO parser (a fifth of a flush's CPU went there); anything else is left to
     * {@link Instant#parse} (null).
     */
    static Date parseUtc(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        int millis = 0;
        if (n > 20) {
            int fraction = n - 21;
            if (s.charAt(19) != '.' || fraction < 1 || fraction > 9 || digits(s, 20, fraction) < 0) {
                return null;
            }
            millis = digits(s, 20, Math.min(3, fraction)) * (fraction == 1 ? 100 : fraction == 2 ? 10 : 1);
        }
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || day > YearMonth.of(year, month).lengthOfMonth()) {
            return null;
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        return new Date(((epochDay * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis);
    }

    /** The decimal number of {@code count} digits at {@code from}, or -1. */
    private static int digits(String s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static Object toBson(JsonNode node) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                Document d = new Document();
                for (Iterator<Map.Entry<String, JsonNode>> it = ((ObjectNode) node).fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    d.put(escape(field.getKey()), toBson(field.getValue()));
                }
                return d;
            }
            case ARRAY -> {
                List<Object> list = new ArrayList<>(node.size());
                node.forEach(element -> list.add(toBson(element)));
                return list;
            }
            case STRING -> {
                return node.asText();
            }
            case BOOLEAN -> {
                return node.booleanValue();
            }
            case NUMBER -> {
                return number(node);
            }
            default -> {
                return null;
            }
        }
    }

    private static Object number(JsonNode node) {
        if (node.isInt() || node.isLong()) {
            // the same value as int32 whichever way it came (a long from a parser, an int back from the queue)
            return node.canConvertToInt() ? (Object) node.intValue() : (Object) node.longValue();
        }
        if (node.isBigInteger() || node.isBigDecimal()) {
            BigDecimal value = node.decimalValue();
            try {
                return new Decimal128(value);
            } catch (NumberFormatException | ArithmeticException e) {
                return value.toString();
            }
        }
        return node.doubleValue();
    }
}

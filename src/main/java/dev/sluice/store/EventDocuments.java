package dev.sluice.store;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.bson.Document;
import org.bson.types.Decimal128;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
    /** The id of the fold that counts the event, while that fold is under way. */
    public static final String FOLD = "_f";

    private EventDocuments() {
    }

    public static Document toDocument(TrackedEvent event) {
        Document doc = new Document("_id", event.id());
        doc.put(PENDING, true);
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

    private static Object toDate(String iso) {
        try {
            return Date.from(Instant.parse(iso));
        } catch (DateTimeParseException e) {
            return iso;
        }
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

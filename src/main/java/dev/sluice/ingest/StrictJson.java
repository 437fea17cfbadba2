package dev.sluice.ingest;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;

import dev.sluice.api.InvalidRequestException;
import dev.sluice.api.Problem;

/**
 * JSON reading for tracking calls, stricter than the application's mapper: duplicate keys, trailing garbage, unknown
 * fields (where a type says so), and any coercion between strings, numbers and booleans are errors. Every failure is
 * translated into a {@link Problem} that names the field and the rule.
 *
 * <p>What is accepted can be stored: a body must be well-formed UTF-8 (an overlong form such as {@code C0 80}, which
 * a lenient decoder reads as NUL, is refused) and may nest objects and arrays at most {@link #MAX_NESTING} levels, well
 * inside the 100 levels MongoDB stores in a document (the item itself is one level; the stored document adds none).
 */
@ApplicationScoped
public class StrictJson {

    /** Levels of objects and arrays in a body, the batch envelope included. */
    static final int MAX_NESTING = 64;
    static final String NESTING_RULE = "must nest objects and arrays at most " + MAX_NESTING
            + " levels deep (MongoDB stores at most 100)";

    private final ObjectMapper mapper;

    public StrictJson(ObjectMapper appMapper) {
        ObjectMapper m = appMapper.copy();
        m.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build());
        m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        m.disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
        m.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        m.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Integer)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Float)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        this.mapper = m;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** Parses a request body; an empty, truncated or malformed body is a 400 naming where it broke. */
    public JsonNode readBody(byte[] body) {
        if (body == null || body.length == 0) {
            throw new InvalidRequestException(Problem.ofRequest("body", "must be a JSON object"));
        }
        int malformed = malformedUtf8(body);
        if (malformed >= 0) {
            throw new InvalidRequestException(Problem.ofRequest("body",
                    "must be well-formed UTF-8 (byte " + malformed + " is not)"));
        }
        try {
            JsonNode node = mapper.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw new InvalidRequestException(Problem.ofRequest("body", "must be a JSON object"));
            }
            String broken = invalidText(node, "");
            if (broken != null) {
                throw new InvalidRequestException(Problem.ofRequest(broken.isEmpty() ? "body" : broken,
                        "must be valid Unicode text (no lone surrogate, no U+FFFE or U+FFFF)"));
            }
            return node;
        } catch (StreamConstraintsException e) {
            throw new InvalidRequestException(Problem.ofRequest("body", NESTING_RULE));
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException(Problem.ofRequest(fieldOf(e, "body"),
                    "must be valid JSON (" + e.getOriginalMessage() + ")"));
        } catch (IOException e) {
            throw new InvalidRequestException(Problem.ofRequest("body", "could not be read"));
        }
    }

    /**
     * The position of the first byte that is not part of well-formed UTF-8 (the Unicode Standard's table 3-7: no
     * overlong form, no surrogate, nothing above U+10FFFF), or -1. Written out rather than decoded with the JDK's
     * strict decoder, which would allocate a copy of every body on the ingest path.
     */
    static int malformedUtf8(byte[] bytes) {
        int i = 0;
        int n = bytes.length;
        while (i < n) {
            int b = bytes[i] & 0xff;
            if (b < 0x80) {
                i++;
                continue;
            }
            int length;
            int low = 0x80;
            int high = 0xbf;
            if (b >= 0xc2 && b <= 0xdf) {
                length = 2;
            } else if (b >= 0xe0 && b <= 0xef) {
                length = 3;
                low = b == 0xe0 ? 0xa0 : 0x80;
                high = b == 0xed ? 0x9f : 0xbf;
            } else if (b >= 0xf0 && b <= 0xf4) {
                length = 4;
                low = b == 0xf0 ? 0x90 : 0x80;
                high = b == 0xf4 ? 0x8f : 0xbf;
            } else {
                return i;
            }
            if (i + length > n) {
                return i;
            }
            int second = bytes[i + 1] & 0xff;
            if (second < low || second > high) {
                return i;
            }
            for (int k = 2; k < length; k++) {
                int next = bytes[i + k] & 0xff;
                if (next < 0x80 || next > 0xbf) {
                    return i;
                }
            }
            i += length;
        }
        return -1;
    }

    /**
     * The path of the first key or string that is not valid Unicode, or null. JSON escapes can spell a lone
     * surrogate or a noncharacter; such text cannot be stored as UTF-8 or queued (SQS refuses it), so the call is
     * rejected whole rather than failing later.
     */
    static String invalidText(JsonNode node, String path) {
        if (node.isTextual()) {
            return validUnicode(node.textValue()) ? null : path;
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String at = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                if (!validUnicode(field.getKey())) {
                    return path.isEmpty() ? "body" : path;
                }
                String broken = invalidText(field.getValue(), at);
                if (broken != null) {
                    return broken;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String broken = invalidText(node.get(i), path + "[" + i + "]");
                if (broken != null) {
                    return broken;
                }
            }
        }
        return null;
    }

    private static boolean validUnicode(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 == text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c) || c == '\uFFFE' || c == '\uFFFF') {
                return false;
            }
        }
        return true;
    }

    /**
     * Binds one item to a type, naming every field that does not bind (an unknown field, a value of the wrong type):
     * each is added to {@code problems} and left out, and the rest is bound, so that the caller's own checks name their
     * problems too. Returns the item bound, those fields null, and adds their names to {@code unbound}; null when a
     * problem cannot be put down to one field.
     */
    public <T> T bind(JsonNode item, Class<T> type, Integer index, List<Problem> problems, Set<String> unbound) {
        JsonNode remaining = item;
        while (true) {
            try {
                return mapper.treeToValue(remaining, type);
            } catch (JsonProcessingException e) {
                problems.add(bindingProblem(e, index));
                String field = e instanceof JsonMappingException jme && !jme.getPath().isEmpty()
                        ? jme.getPath().get(0).getFieldName() : null;
                if (field == null || !remaining.has(field) || unbound.contains(field)) {
                    return null;
                }
                unbound.add(field);
                ObjectNode rest = remaining == item ? ((ObjectNode) item).deepCopy() : (ObjectNode) remaining;
                rest.remove(field);
                remaining = rest;
            }
        }
    }

    private Problem bindingProblem(JsonProcessingException e, Integer index) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            String field = fieldOf(unknown, unknown.getPropertyName());
            // a key that is the empty string is named as JSON spells it
            return new Problem(index, field.isEmpty() || field.endsWith(".") ? field + "\"\"" : field,
                    "unknown field");
        }
        if (e instanceof MismatchedInputException mismatched) {
            return new Problem(index, fieldOf(mismatched, "item"), typeRule(mismatched.getTargetType()));
        }
        return new Problem(index, fieldOf(e, "item"), "invalid value (" + e.getOriginalMessage() + ")");
    }

    /** Size of a node as compact JSON, the measure of Segment's and the metadata limits. */
    public int serializedSize(JsonNode node) {
        try {
            return mapper.writeValueAsString(node).getBytes(StandardCharsets.UTF_8).length;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed tree always serializes", e);
        }
    }

    public ObjectNode objectNode() {
        return mapper.createObjectNode();
    }

    private static String fieldOf(JsonProcessingException e, String fallback) {
        if (e instanceof StreamReadException sre && sre.getProcessor() != null) {
            // where the parser was: the duplicated key, or the field whose value broke off
            String pointer = sre.getProcessor().getParsingContext().pathAsPointer().toString();
            return pointer.isEmpty() ? fallback : pointer.substring(1).replace('/', '.');
        }
        if (e instanceof JsonMappingException jme && !jme.getPath().isEmpty()) {
            List<JsonMappingException.Reference> path = jme.getPath();
            return path.stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."))
                    .replace(".[", "[");
        }
        return fallback;
    }

    private static String typeRule(Class<?> target) {
        if (target == null) {
            return "has the wrong type";
        }
        if (target == String.class) {
            return "must be a string";
        }
        if (target == Long.class || target == long.class || target == Integer.class || target == int.class
                || target == BigInteger.class) {
            return "must be an integer";
        }
        if (target == Double.class || target == double.class || target == BigDecimal.class) {
            return "must be a number";
        }
        if (ObjectNode.class.isAssignableFrom(target) || JsonNode.class.isAssignableFrom(target)) {
            return "must be a JSON object";
        }
        return "must be of type " + target.getSimpleName();
    }
}

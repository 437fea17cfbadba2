package dev.sluice.ingest;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.api.InvalidRequestException;
import dev.sluice.api.Problem;
import dev.sluice.config.SluiceConfig;
import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;
import dev.sluice.event.UserIds;

/**
 * Reads calls in the shape of the Segment HTTP Tracking API, so Segment's own client libraries can send to Sluice
 * unchanged. Everything those libraries put in a request is accepted; what is stored is the event itself, with
 * {@code properties}, {@code traits} and {@code context} kept as data. The write key is never stored.
 */
@ApplicationScoped
public class SegmentParser {

    /** The call types of the Tracking API, each with the field it requires besides a user. */
    static final Map<String, String> TYPES = new LinkedHashMap<>();

    static {
        TYPES.put("track", "event");
        TYPES.put("identify", "");
        TYPES.put("page", "");
        TYPES.put("screen", "");
        TYPES.put("group", "groupId");
        TYPES.put("alias", "previousId");
    }

    private static final Set<String> OBJECT_FIELDS = Set.of("properties", "traits", "context", "integrations",
            "_metadata");
    private static final Set<String> DATE_FIELDS = Set.of("timestamp", "originalTimestamp", "sentAt");
    private static final Set<String> STRING_FIELDS = Set.of("event", "name", "category", "groupId", "previousId",
            "userId", "anonymousId", "messageId", "channel");
    private static final List<String> STORED = List.of("userId", "anonymousId", "event", "name", "category",
            "groupId", "previousId", "channel", "properties", "traits", "context", "integrations");
    private static final int MAX_ID = 128;
    private static final int MAX_TEXT = 1024;

    private final StrictJson json;
    private final SluiceConfig.Ingest limits;
    private final Clock clock;
    private final EventTimes times;

    public SegmentParser(StrictJson json, SluiceConfig config, Clock clock) {
        this.json = json;
        this.limits = config.ingest();
        this.clock = clock;
        this.times = new EventTimes(limits);
    }

    /**
     * One call of the given type ({@code track}, {@code identify}, ...): the body is the event. The body's
     * {@code writeKey} goes to {@code writeKeyCheck} before anything else is checked.
     */
    public List<TrackedEvent> parseSingle(String type, byte[] body, Consumer<String> writeKeyCheck) {
        tooLarge(body, limits.maxSegmentEventBytes(), "body");
        JsonNode root = json.readBody(body);
        writeKeyCheck.accept(writeKey(root));
        if (!root.isObject()) {
            throw new InvalidRequestException(Problem.ofRequest("body", "must be a JSON object"));
        }
        return collect(List.of((ObjectNode) root), type, null);
    }

    /** {@code /v1/batch}: {@code {"batch": [...], "context", "integrations", "sentAt", "writeKey"}}. */
    public List<TrackedEvent> parseBatch(byte[] body, Consumer<String> writeKeyCheck) {
        tooLarge(body, limits.maxSegmentBatchBytes(), "body");
        JsonNode root = json.readBody(body);
        String key = writeKey(root);
        if (key == null && root.path(Batches.FIELD).path(0).isObject()) {
            key = writeKey(root.path(Batches.FIELD).path(0));
        }
        writeKeyCheck.accept(key);
        if (root.isObject() && !root.has(Batches.FIELD)) {
            throw new InvalidRequestException(Problem.ofRequest(Batches.FIELD, "is required"));
        }
        List<JsonNode> items = Batches.items(root, limits.maxBatchEvents());
        List<Problem> problems = new ArrayList<>();
        checkObjects((ObjectNode) root, null, problems, Set.of("context", "integrations"));
        dates((ObjectNode) root, null, clock.instant(), problems, Set.of("sentAt"));
        checkString(root, "writeKey", null, MAX_TEXT, problems);
        List<ObjectNode> events = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            if (!item.isObject()) {
                problems.add(new Problem(i, "item", "must be a JSON object"));
                continue;
            }
            if (json.serializedSize(item) > limits.maxSegmentEventBytes()) {
                throw new PayloadTooLargeException(new Problem(i, "item",
                        "must be at most " + limits.maxSegmentEventBytes() + " bytes as JSON"));
            }
            events.add(withBatchDefaults((ObjectNode) item, (ObjectNode) root));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return collect(events, null, 0);
    }

    /** The {@code writeKey} a body carries (older Segment libraries authenticate with it), or null. */
    private static String writeKey(JsonNode node) {
        JsonNode key = node.path("writeKey");
        return key.isTextual() ? key.textValue() : null;
    }

    private List<TrackedEvent> collect(List<ObjectNode> items, String pathType, Integer firstIndex) {
        Instant now = clock.instant();
        List<Problem> problems = new ArrayList<>();
        List<TrackedEvent> events = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Integer index = firstIndex == null ? null : firstIndex + i;
            TrackedEvent event = toEvent(items.get(i), pathType, index, now, problems);
            if (event != null) {
                events.add(event);
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return events;
    }

    private TrackedEvent toEvent(ObjectNode item, String pathType, Integer index, Instant now,
            List<Problem> problems) {
        int before = problems.size();
        String type = pathType;
        if (type == null) {
            JsonNode t = item.get("type");
            if (t == null || !t.isTextual() || !TYPES.containsKey(t.asText())) {
                problems.add(new Problem(index, "type", "must be one of " + String.join(", ", TYPES.keySet())));
                return null;
            }
            type = t.asText();
        }
        for (String field : STRING_FIELDS) {
            checkString(item, field, index, maxLength(field), problems);
        }
        checkObjects(item, index, problems, OBJECT_FIELDS);
        Map<String, Instant> dates = dates(item, index, now, problems, DATE_FIELDS);
        String userId = text(item, "userId");
        String anonymousId = text(item, "anonymousId");
        if (blank(userId) && blank(anonymousId)) {
            problems.add(new Problem(index, "userId", "userId or anonymousId is required"));
        }
        String required = TYPES.get(type);
        if (!required.isEmpty() && blank(text(item, required))) {
            problems.add(new Problem(index, required, "is required for " + type + " calls"));
        }
        if (problems.size() > before) {
            return null;
        }
        ObjectNode doc = json.objectNode();
        doc.put("type", type);
        for (String field : STORED) {
            JsonNode value = item.get(field);
            if (value != null && !value.isNull()) {
                doc.set(field, value);
            }
        }
        doc.put("timestamp", dates.getOrDefault("timestamp", now).toString());
        if (dates.containsKey("sentAt")) {
            doc.put("sentAt", dates.get("sentAt").toString());
        }
        doc.put("receivedAt", now.toString());
        String id = text(item, "messageId");
        return new TrackedEvent(blank(id) ? EventIds.orNew(null) : id, EventKind.ANALYTICS,
                blank(userId) ? anonymousId : userId, doc);
    }

    /** Batch-level {@code context}, {@code integrations} and {@code sentAt} apply to events that lack their own. */
    private ObjectNode withBatchDefaults(ObjectNode item, ObjectNode batch) {
        ObjectNode merged = item;
        for (String field : List.of("context", "integrations", "sentAt")) {
            JsonNode batchValue = batch.get(field);
            if (batchValue != null && !batchValue.isNull() && !item.hasNonNull(field)) {
                if (merged == item) {
                    merged = item.deepCopy();
                }
                merged.set(field, batchValue);
            }
        }
        return merged;
    }

    private static void tooLarge(byte[] body, int max, String field) {
        if (body != null && body.length > max) {
            throw new PayloadTooLargeException(Problem.ofRequest(field, "must be at most " + max + " bytes"));
        }
    }

    private static void checkString(JsonNode item, String field, Integer index, int max, List<Problem> problems) {
        JsonNode v = item.get(field);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isTextual()) {
            problems.add(new Problem(index, field, "must be a string"));
        } else if (v.asText().isEmpty() || v.asText().length() > max) {
            problems.add(new Problem(index, field, "must be 1-" + max + " characters"));
        }
    }

    private static void checkObjects(ObjectNode item, Integer index, List<Problem> problems, Set<String> fields) {
        for (String field : fields) {
            JsonNode v = item.get(field);
            if (v != null && !v.isNull() && !v.isObject()) {
                problems.add(new Problem(index, field, "must be a JSON object"));
            }
        }
    }

    /** The user fields are user ids ({@link UserIds}): whoever sends events can read their stats. */
    private static int maxLength(String field) {
        return switch (field) {
            case "messageId" -> MAX_ID;
            case "userId", "anonymousId" -> UserIds.MAX;
            default -> MAX_TEXT;
        };
    }

    /** The date fields present, each checked by the rule of every route ({@link EventTimes}). */
    private Map<String, Instant> dates(ObjectNode item, Integer index, Instant now, List<Problem> problems,
            Set<String> fields) {
        Map<String, Instant> dates = new HashMap<>();
        for (String field : fields) {
            JsonNode v = item.get(field);
            if (v == null || v.isNull()) {
                continue;
            }
            Instant at = times.parse(v, now, index, field, problems);
            if (at != null) {
                dates.put(field, at);
            }
        }
        return dates;
    }

    private static String text(JsonNode item, String field) {
        JsonNode v = item.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

}

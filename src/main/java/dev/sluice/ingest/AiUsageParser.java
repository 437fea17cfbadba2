package dev.sluice.ingest;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.api.InvalidRequestException;
import dev.sluice.api.Problem;
import dev.sluice.config.SluiceConfig;
import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;

/**
 * Turns a {@code POST /api/ai/usage} body, one record or {@code {"batch": [...]}}, into events, or rejects the whole
 * request with every problem found.
 */
@ApplicationScoped
public class AiUsageParser {

    private final StrictJson json;
    private final Validator validator;
    private final SluiceConfig.Ingest limits;
    private final Clock clock;
    private final EventTimes times;

    public AiUsageParser(StrictJson json, Validator validator, SluiceConfig config, Clock clock) {
        this.json = json;
        this.validator = validator;
        this.limits = config.ingest();
        this.clock = clock;
        this.times = new EventTimes(limits);
    }

    public List<TrackedEvent> parse(byte[] body) {
        if (body != null && body.length > limits.maxAiBodyBytes()) {
            throw new PayloadTooLargeException(Problem.ofRequest("body",
                    "must be at most " + limits.maxAiBodyBytes() + " bytes"));
        }
        JsonNode root = json.readBody(body);
        List<JsonNode> items = Batches.items(root, limits.maxBatchEvents());
        boolean single = !root.has(Batches.FIELD);
        Instant now = clock.instant();
        List<Problem> problems = new ArrayList<>();
        if (!single) {
            root.fieldNames().forEachRemaining(f -> {
                if (!f.equals(Batches.FIELD)) {
                    problems.add(Problem.ofRequest(f, "unknown field"));
                }
            });
        }
        List<TrackedEvent> events = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Integer index = single ? null : i;
            try {
                events.add(toEvent(items.get(i), index, now, problems));
            } catch (InvalidRequestException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return events;
    }

    private TrackedEvent toEvent(JsonNode item, Integer index, Instant now, List<Problem> problems) {
        if (!item.isObject()) {
            throw new InvalidRequestException(new Problem(index, "item", "must be a JSON object"));
        }
        int before = problems.size();
        Set<String> unbound = new HashSet<>();
        AiUsageRecord r = json.bind(item, AiUsageRecord.class, index, problems, unbound);
        if (r == null) {
            return null;
        }
        for (ConstraintViolation<AiUsageRecord> v : validator.validate(r)) {
            String field = v.getPropertyPath().toString();
            if (!unbound.contains(field)) { // already named: it did not bind
                problems.add(new Problem(index, field, v.getMessage()));
            }
        }
        Instant timestamp = r.timestamp() == null || r.timestamp().isNull() ? now
                : times.parse(r.timestamp(), now, index, "timestamp", problems);
        if (r.metadata() != null && json.serializedSize(r.metadata()) > limits.maxMetadataBytes()) {
            problems.add(new Problem(index, "metadata",
                    "must be at most " + limits.maxMetadataBytes() + " bytes as JSON"));
        }
        if (problems.size() > before) {
            return null;
        }
        ObjectNode doc = json.objectNode();
        doc.put("userId", r.userId());
        doc.put("model", r.model());
        putIfPresent(doc, "provider", r.provider());
        doc.put("inputTokens", r.inputTokens());
        doc.put("outputTokens", r.outputTokens());
        if (r.cachedTokens() != null) {
            doc.put("cachedTokens", r.cachedTokens());
        }
        if (r.costUsd() != null) {
            doc.put("costUsd", r.costUsd());
        }
        if (r.latencyMs() != null) {
            doc.put("latencyMs", r.latencyMs());
        }
        putIfPresent(doc, "feature", r.feature());
        doc.put("timestamp", timestamp.toString());
        doc.put("receivedAt", now.toString());
        if (r.metadata() != null) {
            doc.set("metadata", r.metadata());
        }
        return new TrackedEvent(EventIds.orNew(r.eventId()), EventKind.AI_USAGE, r.userId(), doc);
    }

    private static void putIfPresent(ObjectNode doc, String field, String value) {
        if (value != null) {
            doc.put(field, value);
        }
    }
}

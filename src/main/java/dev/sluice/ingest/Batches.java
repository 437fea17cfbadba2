package dev.sluice.ingest;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.api.InvalidRequestException;
import dev.sluice.api.Problem;

/** The {@code {"batch": [...]}} envelope shared by AI usage and Segment's {@code /v1/batch}. */
final class Batches {

    static final String FIELD = "batch";

    private Batches() {
    }

    /**
     * The items of a body: its {@code batch} array, or the body itself when it has no {@code batch} field.
     *
     * @throws PayloadTooLargeException over {@code maxItems}
     */
    static List<JsonNode> items(JsonNode body, int maxItems) {
        if (!body.isObject()) {
            throw new InvalidRequestException(Problem.ofRequest("body", "must be a JSON object"));
        }
        JsonNode batch = body.get(FIELD);
        if (batch == null) {
            return List.of(body);
        }
        if (!batch.isArray()) {
            throw new InvalidRequestException(Problem.ofRequest(FIELD, "must be an array"));
        }
        if (batch.isEmpty()) {
            throw new InvalidRequestException(Problem.ofRequest(FIELD, "must contain at least one event"));
        }
        if (batch.size() > maxItems) {
            throw new PayloadTooLargeException(Problem.ofRequest(FIELD,
                    "must contain at most " + maxItems + " events"));
        }
        List<JsonNode> items = new ArrayList<>(batch.size());
        for (Iterator<JsonNode> it = batch.elements(); it.hasNext(); ) {
            items.add(it.next());
        }
        return items;
    }
}

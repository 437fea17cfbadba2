package dev.sluice.queue;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.config.SluiceConfig;
import dev.sluice.event.EventKind;
import dev.sluice.event.TrackedEvent;

/**
 * The queue's message format: {@code {"v":2,"events":[{"id","kind","userId","doc"}, ...]}}. Many events share one
 * message, since SQS bills and rate-limits per message; a message never exceeds the configured size. Version 2 events
 * have ids scoped to their user; version 1 messages (written before, still queued or dead-lettered) are read as they
 * were meant, their ids global.
 */
@ApplicationScoped
public class MessageCodec {

    static final int VERSION = 2;
    /** Messages of the version before user-scoped ids. */
    static final int GLOBAL_IDS = 1;
    private static final String HEAD = "{\"v\":" + VERSION + ",\"events\":[";
    private static final String TAIL = "]}";

    private final ObjectMapper mapper;
    private final int maxBytes;

    public MessageCodec(ObjectMapper mapper, SluiceConfig config) {
        this.mapper = mapper;
        this.maxBytes = config.queue().maxMessageBytes();
    }

    /** Packs events into as few message bodies as fit the size limit, in order. */
    public List<String> pack(List<TrackedEvent> events) {
        List<String> bodies = new ArrayList<>();
        StringBuilder body = new StringBuilder(HEAD);
        int bytes = HEAD.length() + TAIL.length();
        int inBody = 0;
        for (TrackedEvent event : events) {
            String json = encode(event);
            int size = utf8Length(json) + 1;
            if (inBody > 0 && bytes + size > maxBytes) {
                bodies.add(body.append(TAIL).toString());
                body = new StringBuilder(HEAD);
                bytes = HEAD.length() + TAIL.length();
                inBody = 0;
            }
            if (inBody > 0) {
                body.append(',');
            }
            body.append(json);
            bytes += size;
            inBody++;
        }
        if (inBody > 0) {
            bodies.add(body.append(TAIL).toString());
        }
        return bodies;
    }

    /**
     * Joins bodies made by {@link #pack} into as few as fit the size limit, in order, each body's events kept together:
     * the calls of a send group then cost one message, not one each. A body of another form stays as it is.
     */
    public List<String> merge(List<String> bodies) {
        if (bodies.size() < 2) {
            return bodies;
        }
        List<String> merged = new ArrayList<>();
        StringBuilder current = null;
        int bytes = 0;
        for (String body : bodies) {
            boolean packed = body.startsWith(HEAD) && body.endsWith(TAIL)
                    && body.length() > HEAD.length() + TAIL.length();
            int size = utf8Length(body);
            int events = size - HEAD.length() - TAIL.length();
            if (packed && current != null && bytes + 1 + events <= maxBytes) {
                current.setLength(current.length() - TAIL.length());
                current.append(',').append(body, HEAD.length(), body.length() - TAIL.length()).append(TAIL);
                bytes += 1 + events;
                continue;
            }
            if (current != null) {
                merged.add(current.toString());
                current = null;
            }
            if (packed) {
                current = new StringBuilder(body);
                bytes = size;
            } else {
                merged.add(body);
            }
        }
        if (current != null) {
            merged.add(current.toString());
        }
        return merged;
    }

    /**
     * The length of {@code text} in UTF-8 as {@link String#getBytes} encodes it (an unpaired surrogate becomes one
     * {@code ?}), counted without encoding it: the size of every body is checked against the limit on the ingest path.
     */
    static int utf8Length(CharSequence text) {
        int bytes = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /**
     * Reads a message body back into its events.
     *
     * @throws PoisonMessageException when the body is not a message of this version
     */
    public List<TrackedEvent> unpack(String body) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new PoisonMessageException("not JSON");
        }
        int version = root == null || !root.isObject() ? -1 : root.path("v").asInt(-1);
        if (version != VERSION && version != GLOBAL_IDS) {
            throw new PoisonMessageException("not a version " + GLOBAL_IDS + " or " + VERSION + " message");
        }
        JsonNode events = root.get("events");
        if (events == null || !events.isArray() || events.isEmpty()) {
            throw new PoisonMessageException("no events");
        }
        List<TrackedEvent> out = new ArrayList<>(events.size());
        for (JsonNode e : events) {
            out.add(decode(e, out.size(), version == VERSION));
        }
        return out;
    }

    private String encode(TrackedEvent event) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", event.id());
        node.put("kind", event.kind().wireName());
        node.put("userId", event.userId());
        node.set("doc", event.doc());
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an event tree always serializes", e);
        }
    }

    private static TrackedEvent decode(JsonNode e, int index, boolean scopedId) {
        JsonNode id = e.get("id");
        JsonNode kind = e.get("kind");
        JsonNode userId = e.get("userId");
        JsonNode doc = e.get("doc");
        if (id == null || !id.isTextual() || id.asText().isEmpty() || userId == null || !userId.isTextual()
                || doc == null || !doc.isObject()) {
            throw new PoisonMessageException("event " + index + " lacks id, userId or doc");
        }
        EventKind eventKind = kind == null ? null : EventKind.fromWireName(kind.asText());
        if (eventKind == null) {
            throw new PoisonMessageException("event " + index + " has an unknown kind");
        }
        return new TrackedEvent(id.asText(), eventKind, userId.asText(), (ObjectNode) doc, scopedId);
    }
}

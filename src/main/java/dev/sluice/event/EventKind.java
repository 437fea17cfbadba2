package dev.sluice.event;

import com.fasterxml.jackson.annotation.JsonValue;

/** The two kinds of tracked event; each is stored in its own collection. */
public enum EventKind {
    AI_USAGE("ai_usage"),
    ANALYTICS("analytics");

    private final String wireName;

    EventKind(String wireName) {
        this.wireName = wireName;
    }

    /** The kind with this wire name, or {@code null}. */
    public static EventKind fromWireName(String name) {
        for (EventKind k : values()) {
            if (k.wireName.equals(name)) {
                return k;
            }
        }
        return null;
    }

    /** The name used in queue messages. */
    @JsonValue
    public String wireName() {
        return wireName;
    }
}

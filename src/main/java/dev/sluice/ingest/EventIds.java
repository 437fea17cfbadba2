package dev.sluice.ingest;

import java.util.UUID;

/** Event ids: the client's when given (that is what makes a client retry idempotent), a random UUID otherwise. */
final class EventIds {

    static final String PATTERN = "[A-Za-z0-9._:-]{1,64}";
    static final String RULE = "must be 1-64 characters of A-Z a-z 0-9 . _ : -";

    private EventIds() {
    }

    static String orNew(String clientId) {
        return clientId != null ? clientId : UUID.randomUUID().toString();
    }
}

package dev.sluice.event;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One accepted tracking call on its way to MongoDB: validated, normalized and given its id.
 *
 * @param id the event id, the client's or assigned; unique within its user and kind, which is what makes every retry
 *        and redelivery idempotent (the stored {@code _id} is built from it, see {@code EventDocuments.storedId})
 * @param kind which collection the event belongs to
 * @param userId whose data it is (the Segment {@code anonymousId} when there is no user id)
 * @param doc the fields to store, as JSON; date fields are ISO-8601 strings (see {@code EventDocuments})
 * @param scopedId whether the id is scoped to its user; false only for events of messages written before ids were
 *        (queue message version 1), whose events were stored under their id alone
 */
public record TrackedEvent(String id, EventKind kind, String userId, ObjectNode doc, boolean scopedId) {

    public TrackedEvent(String id, EventKind kind, String userId, ObjectNode doc) {
        this(id, kind, userId, doc, true);
    }
}

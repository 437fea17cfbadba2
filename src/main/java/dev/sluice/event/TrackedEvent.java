package dev.sluice.event;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One accepted tracking call on its way to MongoDB: validated, normalized and given its id.
 *
 * @param id the event id; stored as {@code _id}, which makes every retry and redelivery idempotent
 * @param kind which collection the event belongs to
 * @param userId whose data it is (the Segment {@code anonymousId} when there is no user id)
 * @param doc the fields to store, as JSON; date fields are ISO-8601 strings (see {@code EventDocuments})
 */
public record TrackedEvent(String id, EventKind kind, String userId, ObjectNode doc) {
}

package dev.sluice.flush;

import java.util.Set;

/**
 * Fired by the flush once events of these users are stored, before their messages are deleted: a consumer (the
 * stats cache) drops what it holds for them. A flush that dies in between stores the same events again on
 * redelivery, and fires again.
 */
public record UsersChanged(Set<String> userIds) {
}

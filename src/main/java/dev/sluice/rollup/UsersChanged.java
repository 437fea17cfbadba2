package dev.sluice.rollup;

import java.util.Set;

/**
 * Fired when the rollups of these users changed (events of theirs were newly stored and counted): a consumer (the
 * stats cache) drops what it holds for them. It is fired before the fold that counted the events is released, so a
 * process that dies in between leaves the fold to be taken over, and the takeover fires again.
 */
public record UsersChanged(Set<String> userIds) {
}

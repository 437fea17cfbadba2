package dev.sluice.event;

/**
 * The one limit on a user id, wherever one comes in: a tracking call's {@code userId} or {@code anonymousId}, the
 * {@code ?userId=} of the stats and internal routes, a JWT's subject. A user whose events are accepted can always
 * read their stats.
 */
public final class UserIds {

    /** Characters at most: an e-mail address (254) fits. */
    public static final int MAX = 256;
    public static final String RULE = "must be 1-" + MAX + " characters";

    private UserIds() {
    }
}

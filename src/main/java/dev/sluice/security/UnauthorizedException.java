package dev.sluice.security;

/** A call without a valid key for its route: answered 401, nothing of it queued. */
public class UnauthorizedException extends RuntimeException {

    private final String rule;

    public UnauthorizedException(String rule) {
        super(rule, null, false, false);
        this.rule = rule;
    }

    /** What the {@code Authorization} header (or the body's {@code writeKey}) must carry. */
    public String rule() {
        return rule;
    }
}

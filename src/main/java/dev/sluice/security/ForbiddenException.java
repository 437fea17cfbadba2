package dev.sluice.security;

/** A valid caller asking for what is not theirs: answered 403. */
public class ForbiddenException extends RuntimeException {

    public ForbiddenException(String rule) {
        super(rule, null, false, false);
    }
}

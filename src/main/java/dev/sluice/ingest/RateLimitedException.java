package dev.sluice.ingest;

import java.util.List;

import dev.sluice.api.Problem;

/** A call over a rate limit: answered 429 with {@code Retry-After}; nothing of it is accepted. */
public class RateLimitedException extends RuntimeException {

    private final transient List<Problem> problems;
    private final long retryAfterSeconds;

    public RateLimitedException(List<Problem> problems, long retryAfterSeconds) {
        super("rate limited", null, false, false);
        this.problems = List.copyOf(problems);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public List<Problem> problems() {
        return problems;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}

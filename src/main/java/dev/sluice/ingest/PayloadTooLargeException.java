package dev.sluice.ingest;

import dev.sluice.api.Problem;

/** A body, batch or event over its limit: 413, nothing queued. */
public class PayloadTooLargeException extends RuntimeException {

    private final Problem problem;

    public PayloadTooLargeException(Problem problem) {
        super(problem.field() + " " + problem.rule());
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}

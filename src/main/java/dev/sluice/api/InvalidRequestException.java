package dev.sluice.api;

import java.util.List;

/** A request with at least one invalid item: rejected whole with 400, nothing queued. */
public class InvalidRequestException extends RuntimeException {

    private final List<Problem> problems;

    public InvalidRequestException(List<Problem> problems) {
        super(problems.size() + " problem(s), first: " + problems.get(0));
        this.problems = List.copyOf(problems);
    }

    public InvalidRequestException(Problem problem) {
        this(List.of(problem));
    }

    public List<Problem> problems() {
        return problems;
    }
}

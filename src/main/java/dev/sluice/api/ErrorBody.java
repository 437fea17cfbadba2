package dev.sluice.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Every error response: a stable code, a sentence, and for rejected input one entry per problem.
 *
 * @param error machine-readable code, e.g. {@code invalid_request}
 * @param message what happened, for a person
 * @param problems the item, field and rule of each problem; absent when there is none
 */
@RegisterForReflection(targets = Problem.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorBody(String error, String message, List<Problem> problems) {
}

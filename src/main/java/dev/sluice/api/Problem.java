package dev.sluice.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One reason a request was rejected.
 *
 * @param index position of the item in a batch, or {@code null} for the request as a whole
 * @param field the offending field, as a JSON path relative to the item ({@code metadata}, {@code properties.plan})
 * @param rule the rule it broke, in words
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(Integer index, String field, String rule) {

    public static Problem ofRequest(String field, String rule) {
        return new Problem(null, field, rule);
    }
}

package dev.sluice.ingest;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.api.Problem;
import dev.sluice.config.SluiceConfig;

/**
 * The one rule for the times an event carries, on every route ({@code timestamp}, and Segment's {@code sentAt} and
 * {@code originalTimestamp}): an ISO-8601 date-time with a zone offset, no more than
 * {@code sluice.ingest.max-clock-skew} in the future and no more than {@code sluice.ingest.max-event-age} in the
 * past. MongoDB stores a date as 64-bit milliseconds and Java's conversion to it overflows far before the ISO format
 * does ({@code -300000000-01-01T00:00:00Z} parses): a time outside these bounds was accepted before and then failed
 * every flush that took it. The past bound also refuses clocks that were never set (1970).
 */
final class EventTimes {

    static final String FORMAT_RULE = "must be an ISO-8601 date-time with a zone offset, e.g. 2025-01-31T12:00:00Z";

    private final Duration maxSkew;
    private final Duration maxAge;

    EventTimes(SluiceConfig.Ingest limits) {
        this.maxSkew = limits.maxClockSkew();
        this.maxAge = limits.maxEventAge();
    }

    /** The instant of a time field's value, or null with the problem added to {@code problems}. */
    Instant parse(JsonNode value, Instant now, Integer index, String field, List<Problem> problems) {
        if (!value.isTextual()) { // a number of seconds or millis is ambiguous: the documented form only
            problems.add(new Problem(index, field, FORMAT_RULE));
            return null;
        }
        Instant at;
        try {
            at = OffsetDateTime.parse(value.textValue()).toInstant();
        } catch (DateTimeParseException e) {
            problems.add(new Problem(index, field, FORMAT_RULE));
            return null;
        }
        if (at.isAfter(now.plus(maxSkew))) {
            problems.add(new Problem(index, field, "must not be more than " + maxSkew.toSeconds()
                    + " seconds in the future"));
            return null;
        }
        if (at.isBefore(now.minus(maxAge))) {
            problems.add(new Problem(index, field, "must not be more than " + maxAge.toDays() + " days in the past"));
            return null;
        }
        return at;
    }
}

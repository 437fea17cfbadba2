package dev.sluice.audit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

import dev.sluice.api.InvalidRequestException;
import dev.sluice.api.Problem;

/**
 * {@code POST /internal/loss-check?from=&to=}: the loss check over whole UTC minutes (default: the 24 hours ending a
 * minute ago). It drains the queue first ({@code drain=false} to skip), so it is a POST.
 */
@Path("/internal/loss-check")
public class LossCheckResource {

    /** Ingest counts an event after the queue holds it; a period ending this long ago has no event in flight. */
    static final Duration SETTLE = Duration.ofMinutes(1);

    private final LossCheck check;
    private final Clock clock;

    public LossCheckResource(LossCheck check, Clock clock) {
        this.check = check;
        this.clock = clock;
    }

    @POST
    public LossReport check(@QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("drain") @DefaultValue("true") boolean drain) {
        Instant latest = clock.instant().minus(SETTLE).truncatedTo(ChronoUnit.MINUTES);
        List<Problem> problems = new ArrayList<>();
        Instant end = instant("to", to, latest, problems);
        Instant start = instant("from", from, end.minus(Duration.ofDays(1)), problems);
        if (problems.isEmpty() && !start.isBefore(end)) {
            problems.add(Problem.ofRequest("from", "must be before to"));
        }
        if (problems.isEmpty() && end.isAfter(latest)) {
            problems.add(Problem.ofRequest("to", "must be at most " + latest + " (a minute ago, whole minutes)"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return check.check(start, end, drain);
    }

    private static Instant instant(String field, String value, Instant fallback, List<Problem> problems) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            Instant parsed = Instant.parse(value);
            if (!parsed.equals(parsed.truncatedTo(ChronoUnit.MINUTES))) {
                problems.add(Problem.ofRequest(field, "must be a whole minute, like 2026-11-27T10:15:00Z"));
            }
            return parsed;
        } catch (DateTimeParseException e) {
            problems.add(Problem.ofRequest(field, "must be an ISO-8601 instant, like 2026-11-27T10:15:00Z"));
            return fallback;
        }
    }
}

package dev.sluice.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.junit.jupiter.api.Test;

class AcceptedLedgerTest {

    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyyMMddHHmm")
            .withZone(ZoneOffset.UTC);

    /** The minute read off the text is the parsed instant's minute, whatever the fraction Instant.toString wrote. */
    @Test
    void minuteOfWhatIngestWritesIsTheParsedMinute() {
        for (Instant at : new Instant[] { Instant.parse("2026-11-27T14:05:00Z"),
                Instant.parse("2026-11-27T14:05:59.999Z"), Instant.parse("2026-12-31T23:59:59.999999999Z"),
                Instant.parse("1999-01-01T00:00:00.000001Z"), Instant.ofEpochSecond(0),
                Instant.parse("2026-02-28T07:08:09.100Z") }) {
            assertEquals(MINUTE.format(at), AcceptedLedger.minute(at.toString()), at.toString());
        }
        for (int i = 0; i < 1000; i++) {
            Instant at = Instant.ofEpochSecond(1_700_000_000L + i * 7919L, i * 1_000_003L);
            assertEquals(MINUTE.format(at), AcceptedLedger.minute(at.toString()), at.toString());
        }
    }

    @Test
    void anyOtherFormIsParsed() {
        Instant far = Instant.parse("+12026-11-27T14:05:09Z");
        assertEquals(MINUTE.format(far), AcceptedLedger.minute(far.toString()));
        assertThrows(DateTimeException.class, () -> AcceptedLedger.minute("27/11/2026 14:05"));
    }
}

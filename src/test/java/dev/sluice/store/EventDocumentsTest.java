package dev.sluice.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fast reading of stored times agrees with {@link Instant#parse} wherever it answers. */
class EventDocumentsTest {

    @ParameterizedTest
    @ValueSource(strings = { "2026-11-27T07:00:00Z", "2026-11-27T07:00:00.1Z", "2026-11-27T07:00:00.12Z",
            "2026-11-27T07:00:00.123Z", "2026-11-27T07:00:00.123456789Z", "2024-02-29T23:59:59.999Z",
            "1969-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z" })
    void readsWhatInstantReads(String iso) {
        assertEquals(Date.from(Instant.parse(iso)), EventDocuments.parseUtc(iso));
    }

    @ParameterizedTest
    @ValueSource(strings = { "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
            "2026-11-27T24:00:00Z", "2026-11-27T07:60:00Z", "2026-11-27T07:00:60Z", "2026-11-27T07:00:00.Z",
            "2026-11-27T07:00:00.1234567890Z", "2026-11-27T07:00:00+01:00", "2026-11-27 07:00:00Z",
            "2026-11-27T07:00:0xZ", "2026-11-27T07:00:00,5Z", "+2026-11-27T07:00:00Z", "yesterday" })
    void leavesEverythingElseToTheGeneralParser(String text) {
        assertNull(EventDocuments.parseUtc(text));
    }

    @Test
    void agreesOnRandomTimes() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            Instant at = Instant.ofEpochSecond(random.nextLong(-2_000_000_000L, 4_000_000_000L),
                    List.of(0, 100_000_000, 120_000_000, 123_000_000, 123_456_000, 123_456_789).get(i % 6));
            assertEquals(Date.from(at), EventDocuments.parseUtc(at.toString()), at::toString);
        }
    }
}

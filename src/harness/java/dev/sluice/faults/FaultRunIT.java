package dev.sluice.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fault run against the deployment package: the short form in every {@code ./mvnw verify}, the full one with
 * {@code ./mvnw verify -Pfaults}. Both write their table to {@code target/fault-report.md}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultRunIT {

    private static final FaultPlan PLAN = FaultPlan.selected();
    private static final List<FaultReport> REPORTS = new ArrayList<>();
    private static final List<String> TIMELINES = new ArrayList<>();

    /** Every acknowledged event stored exactly once and counted exactly once, whatever was killed or stopped. */
    @Test
    @Order(1)
    void queueModeLosesNothingAndDuplicatesNothing() {
        FaultRun run = new FaultRun(PLAN);
        FaultReport r = run.queueMode();
        keep("queue", r, run);

        assertEquals(0, r.lost(), "acknowledged events missing from MongoDB");
        assertEquals(r.accepted(), r.stored());
        assertEquals(0, r.duplicated(), "events counted twice in the rollups");
        assertEquals(0, r.uncounted(), "stored events missing from the rollups");
        assertEquals(PLAN.kills(), r.kills());
        assertTrue(r.partialKills() >= 1, "at least one kill after part of a flush was stored: " + r);
        // the queue outage is answered 503 (nothing else is refused, and every call gets an answer: the ingest
        // function never goes down), and the stream went on through every other fault
        assertTrue(r.rejected() > 0, "503s while the queue was down: " + r);
        assertEquals(0, r.refused(), "refused: " + r.refusals());
        assertEquals(0, r.unanswered());
        // the contract: a 202 is stored exactly once (above); a 503 is "not known to be stored", and the client's
        // resend with the same ids is acknowledged once the queue is back, storing nothing twice. Only the call in
        // progress when the stream stopped can be left unacknowledged, and only such events stored unacknowledged.
        assertEquals(r.sent(), r.accepted() + r.unacknowledged());
        assertTrue(r.unacknowledged() <= 5, "at most the events of the call in progress at the end: " + r);
        assertEquals(0, r.storedUnsent(), "stored, though acknowledged never nor left unacknowledged: " + r);
    }

    /** The design Sluice replaces: each SIGKILL loses what the buffer held, although it was acknowledged. */
    @Test
    @Order(2)
    void memoryModeLosesWhatItsBufferHeld() {
        FaultRun run = new FaultRun(PLAN);
        FaultReport r = run.memoryMode();
        keep("memory", r, run);

        assertEquals(PLAN.kills(), r.kills());
        assertTrue(r.lost() > 0, "acknowledged events lost with the killed buffers: " + r);
        assertEquals(r.accepted() - r.lost(), r.stored());
    }

    private static void keep(String mode, FaultReport report, FaultRun run) {
        REPORTS.add(report);
        TIMELINES.add("### " + mode + " mode\n\n```\n" + String.join("\n", run.timeline()) + "\n```\n");
    }

    @AfterAll
    static void write() throws IOException {
        String table = FaultReport.markdown(REPORTS);
        System.out.println(table);
        Files.writeString(Path.of("target", "fault-report.md"), "# Fault run (" + PLAN.name() + ")\n\n" + table
                + "\n" + String.join("\n", TIMELINES));
    }
}

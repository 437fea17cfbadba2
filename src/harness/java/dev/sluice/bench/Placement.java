package dev.sluice.bench;

import java.io.IOException;
import java.util.List;

/**
 * Where the benchmark's processes run: with {@code -Dbench.server-cpus=0 -Dbench.other-cpus=1} the server under test
 * gets those CPUs and everything else (the load generator, which stands for the callers, and the stand-ins for SQS,
 * MongoDB and Redis, which stand for services on other machines) the others, through {@code taskset}. By default
 * all processes share all cores.
 */
final class Placement {

    static final String SERVER_CPUS = System.getProperty("bench.server-cpus", "");
    static final String OTHER_CPUS = System.getProperty("bench.other-cpus", "");

    private Placement() {
    }

    static boolean pinned() {
        return !SERVER_CPUS.isBlank() && !OTHER_CPUS.isBlank();
    }

    /** The command prefix that starts a server on its CPUs (empty when nothing is pinned). */
    static List<String> serverPrefix() {
        return pinned() ? List.of("taskset", "-c", SERVER_CPUS) : List.of();
    }

    /** Moves this JVM and the stand-in processes, every thread of each, to the other CPUs. */
    static void pinEnvironment() {
        if (!pinned()) {
            return;
        }
        for (ProcessHandle p : CpuMeter.environment().values()) {
            run(List.of("taskset", "-a", "-p", "-c", OTHER_CPUS, Long.toString(p.pid())));
        }
    }

    /** How the processes were placed, for the report. */
    static String describe() {
        return pinned() ? "the server on CPU " + SERVER_CPUS + ", the load generator and the stand-ins on CPU "
                + OTHER_CPUS : "all processes on all cores";
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

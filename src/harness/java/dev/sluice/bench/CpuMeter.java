package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.sluice.testing.ChildServer;

/**
 * CPU time spent by each process of a benchmark between two readings: the server under test, the local stand-ins
 * (ElasticMQ, mongo-java-server, redis-server, each a process of its own) and the load generator (this JVM). On two
 * shared cores, latency under load follows the CPU all of them spend per event, so this says where it goes.
 */
final class CpuMeter {

    static final String SERVER = "server";
    static final String SQS = "ElasticMQ";
    static final String MONGO = "mongo-java-server";
    static final String REDIS = "redis-server";
    static final String LOAD = "load generator";

    private final Map<String, ProcessHandle> processes = new LinkedHashMap<>();
    private Map<String, Duration> start = Map.of();
    private long startSwitches;

    CpuMeter(ProcessHandle server) {
        processes.put(SERVER, server);
        processes.putAll(environment());
    }

    /** Every process of the benchmark but the server: the local stand-ins that run, and the load generator. */
    static Map<String, ProcessHandle> environment() {
        Map<String, ProcessHandle> environment = new LinkedHashMap<>();
        ChildServer.process("sqs").ifPresent(p -> environment.put(SQS, p));
        ChildServer.process("mongo").ifPresent(p -> environment.put(MONGO, p));
        redis().ifPresent(p -> environment.put(REDIS, p));
        environment.put(LOAD, ProcessHandle.current());
        return environment;
    }

    /** The processes measured, in column order. */
    static String[] names() {
        return new String[] {SERVER, SQS, MONGO, REDIS, LOAD};
    }

    /** A redis-server this JVM started (embedded-redis), if any. */
    private static Optional<ProcessHandle> redis() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.contains("redis-server")).orElse(false)).findFirst();
    }

    /**
     * Waits until {@code processes} together spend less than a tenth of a core over half a second, at most
     * {@code limit}: the work a round leaves behind (a stand-in's garbage collection after a drain stored hundreds of
     * thousands of documents, a buffer being written) is then not charged to the next round, whichever mode it is.
     */
    static void awaitQuiet(Collection<ProcessHandle> processes, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        long before = totalCpuNanos(processes);
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = totalCpuNanos(processes);
            if (now - before < Duration.ofMillis(50).toNanos()) {
                return;
            }
            before = now;
        }
    }

    private static long totalCpuNanos(Collection<ProcessHandle> processes) {
        return processes.stream().mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
                .sum();
    }

    void begin() {
        start = read();
        startSwitches = contextSwitches(processes.get(SERVER));
    }

    /** Context switches of the server's threads per {@code events} since {@link #begin()} (NaN without /proc). */
    double serverSwitchesPerEvent(long events) {
        long end = contextSwitches(processes.get(SERVER));
        return startSwitches < 0 || end < 0 || events == 0 ? Double.NaN : (end - startSwitches) / (double) events;
    }

    /**
     * Voluntary and involuntary context switches of all of a process's threads, from {@code /proc} (-1 without it):
     * every thread that parks and is woken costs two, and on a shared VM each costs microseconds of CPU.
     */
    private static long contextSwitches(ProcessHandle process) {
        long total = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.contains("ctxt_switches:")) {
                            total += Long.parseLong(line.replaceAll("\\D", ""));
                        }
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return total;
    }

    /**
     * CPU time of a process's threads by kind of thread (the name without its numbers: {@code C2 CompilerThread},
     * {@code GC Thread}, {@code executor-thread}, ...), from {@code /proc}; empty without it. The difference of two
     * readings says whether a server's CPU went to its own work or to the JVM's (compiling, collecting).
     */
    static Map<String, Duration> byThread(ProcessHandle process) {
        Map<String, Duration> cpu = new TreeMap<>();
        long tick = 10; // ms: USER_HZ is 100 on Linux
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            .replaceAll("[0-9]+", "#");
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ms = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * tick;
                    cpu.merge(name, Duration.ofMillis(ms), Duration::plus);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return cpu;
    }

    /**
     * What {@link #byThread} grew by from {@code before}, in milliseconds; a kind of thread whose threads ended
     * meanwhile may have grown by less than nothing, counted as nothing.
     */
    private static Map<String, Long> byThreadSinceMillis(Map<String, Duration> before, ProcessHandle process) {
        Map<String, Long> grown = new TreeMap<>();
        byThread(process).forEach((kind, cpu) -> grown.put(kind,
                Math.max(0, cpu.minus(before.getOrDefault(kind, Duration.ZERO)).toMillis())));
        return grown;
    }

    /** The share of a process's CPU since {@code before} ({@link #byThread}) that its JIT compiler threads took. */
    static double compilingShare(Map<String, Duration> before, ProcessHandle process) {
        Map<String, Long> grown = byThreadSinceMillis(before, process);
        long all = grown.values().stream().mapToLong(Long::longValue).sum();
        long compiling = grown.entrySet().stream().filter(e -> e.getKey().contains("CompilerThre"))
                .mapToLong(Map.Entry::getValue).sum();
        return all == 0 ? 0 : compiling / (double) all;
    }

    /** What {@link #byThread} grew by from {@code before}, largest first, in milliseconds. */
    static String byThreadSince(Map<String, Duration> before, ProcessHandle process) {
        return byThreadSinceMillis(before, process).entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> e.getKey() + "=" + e.getValue())
                .reduce((a, b) -> a + ", " + b).orElse("");
    }

    /** The CPU per event of all processes of a {@link #perEvent} reading together, those measured. */
    static double total(Map<String, Double> perEvent) {
        return perEvent.values().stream().filter(v -> !v.isNaN()).mapToDouble(Double::doubleValue).sum();
    }

    /** Milliseconds of CPU per {@code events} since {@link #begin()}, per process ({@code NaN} where not local). */
    Map<String, Double> perEvent(long events) {
        Map<String, Duration> end = read();
        Map<String, Double> result = new LinkedHashMap<>();
        for (String name : names()) {
            Duration from = start.get(name);
            Duration to = end.get(name);
            result.put(name, from == null || to == null || events == 0 ? Double.NaN
                    : to.minus(from).toNanos() / 1e6 / events);
        }
        return result;
    }

    private Map<String, Duration> read() {
        Map<String, Duration> cpu = new LinkedHashMap<>();
        processes.forEach((name, p) -> p.info().totalCpuDuration().ifPresent(d -> cpu.put(name, d)));
        return cpu;
    }
}

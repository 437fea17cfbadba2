package dev.sluice.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

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

    CpuMeter(ProcessHandle server) {
        processes.put(SERVER, server);
        ChildServer.process("sqs").ifPresent(p -> processes.put(SQS, p));
        ChildServer.process("mongo").ifPresent(p -> processes.put(MONGO, p));
        redis().ifPresent(p -> processes.put(REDIS, p));
        processes.put(LOAD, ProcessHandle.current());
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

    void begin() {
        start = read();
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

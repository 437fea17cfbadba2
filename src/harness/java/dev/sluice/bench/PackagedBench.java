package dev.sluice.bench;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleFunction;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.InsertManyOptions;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

import dev.sluice.config.SluiceConfig;
import dev.sluice.local.EmbeddedServers;
import dev.sluice.queue.MessageCodec;
import dev.sluice.testing.ChildServer;
import dev.sluice.testing.FaultProxy;
import dev.sluice.testing.SluiceTestServers;

/**
 * The benchmarks of the packaged server ({@code ./mvnw -Pbench -Dserver}, after {@link StatsBench}): MongoDB
 * connections and operations per write mode as clients grow, ingest throughput and latency, flush efficiency against a
 * raw {@code insertMany}, the drain after a MongoDB outage, and start-up time and memory. Every comparison is measured
 * in this one run; where there are rounds, the table gives the median and the spread (min-max). Nothing here asserts
 * a timing: the numbers go to {@code target/bench/packaged.md}.
 *
 * <p>Sizes can be changed with {@code -Dbench.rounds}, {@code -Dbench.connection-seconds}, {@code -Dbench.client-interval-ms},
 * {@code -Dbench.backlog}, {@code -Dbench.outage-seconds}, {@code -Dbench.ingest-seconds},
 * {@code -Dbench.warmup-seconds}; {@code -Dbench.ingest-modes=direct,queue} measures only those modes' ingest (the
 * ratios need both), and a mode may name settings of its own server to compare variants in one run:
 * {@code -Dbench.ingest-modes='direct,queue,queue[sluice.queue.send-linger=0;sluice.ledger.enabled=false]'}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackagedBench {

    private static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
    private static final int CONNECTION_SECONDS = Integer.getInteger("bench.connection-seconds", 30);
    private static final int CLIENT_INTERVAL_MS = Integer.getInteger("bench.client-interval-ms", 2000);
    private static final int BACKLOG = Integer.getInteger("bench.backlog", 100_000);
    private static final int FLUSH_WARMUP_EVENTS = 20_000;
    private static final int MAX_FLUSH_WARMUPS = Integer.getInteger("bench.max-flush-warmups", 12);
    private static final int OUTAGE_SECONDS = Integer.getInteger("bench.outage-seconds", 60);
    private static final int INGEST_SECONDS = Integer.getInteger("bench.ingest-seconds", 10);
    private static final int WARMUP_SECONDS = Integer.getInteger("bench.warmup-seconds", 20);
    private static final int MAX_WARMUP_SECONDS = Integer.getInteger("bench.max-warmup-seconds", 150);
    private static final int WARMUP_WINDOW_SECONDS = 10;
    private static final int INGEST_CLIENTS = 16;
    /** {@code -Dbench.ingest-calls=single} measures only single-event calls (e.g. to profile them alone). */
    private static final List<Load.Call> INGEST_CALLS = Stream.of(Load.SINGLE, Load.BATCH)
            .filter(c -> System.getProperty("bench.ingest-calls", "single,batch").contains(c.name().split(" ")[0]))
            .toList();
    private static final String SQS_SENDS = "sluice_queue_send_requests_total";
    private static final int STAND_IN_CALLS = 2000;
    private static final Set<String> HANDSHAKES = Set.of("hello", "isMaster", "ismaster", "legacy query");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Report REPORT = new Report("packaged", "Packaged server benchmarks");
    private static final Map<String, Double> RSS_AFTER_LOAD = new LinkedHashMap<>();
    /** The queue's message format with its default size limit, for the stand-in requests. */
    private static final MessageCodec STAND_IN_CODEC = new MessageCodec(JSON, (SluiceConfig) Proxy.newProxyInstance(
            PackagedBench.class.getClassLoader(), new Class<?>[] {SluiceConfig.class},
            (config, method, args) -> Proxy.newProxyInstance(PackagedBench.class.getClassLoader(),
                    new Class<?>[] {SluiceConfig.Queue.class}, (queue, setting, none) -> switch (setting.getName()) {
                        case "maxMessageBytes" -> 245_760;
                        default -> throw new UnsupportedOperationException(setting.getName());
                    })));
    private static FaultProxy mongoProxy;
    private static MongoClient direct;
    private static int servers;

    @BeforeAll
    static void servers() {
        new SluiceTestServers().start();
        mongoProxy = SluiceTestServers.mongoProxy();
        mongoProxy.countMongoCommands();
        direct = MongoClients.create(SluiceTestServers.directMongoUri());
        REPORT.line("Machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java "
                + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + ". The server is `target/quarkus-app/quarkus-run.jar` run with "
                + "`java -jar` and default JVM settings; SQS (ElasticMQ) and MongoDB (mongo-java-server) "
                + "in JVMs of their own, Redis (redis-server), all on loopback, " + Placement.describe()
                + ". Rate limits are off for the load.");
        Placement.pinEnvironment();
    }

    @AfterAll
    static void write() {
        direct.close();
        REPORT.write();
    }

    /**
     * Configuration of one server process, with its own queues and database. It reaches SQS and Redis directly (their
     * proxies are test instruments) and MongoDB through its proxy, which counts connections and commands.
     */
    private static Map<String, String> config(String mode) {
        String name = mode + "-" + (++servers);
        Map<String, String> c = new HashMap<>(SluiceTestServers.config());
        c.putAll(SluiceTestServers.freshQueues("bench-" + name));
        String proxiedSqs = c.get("quarkus.sqs.endpoint-override");
        c.replaceAll((key, value) -> value.startsWith(proxiedSqs)
                ? SluiceTestServers.directSqsEndpoint() + value.substring(proxiedSqs.length()) : value);
        c.put("quarkus.redis.hosts", SluiceTestServers.directRedisUrl());
        c.put("sluice.write-mode", mode);
        c.put("sluice.mongo.database", "bench_" + name.replace('-', '_'));
        c.put("sluice.limits.events-per-user", "0");
        c.put("sluice.limits.events-per-key", "0");
        c.put("sluice.memory.every", "30s");
        c.put("quarkus.log.level", "WARN");
        // -Dbench.set.<key>=<value> sets <key> of every server started (to compare settings)
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.set."))
                .forEach(k -> c.put(k.substring("bench.set.".length()), System.getProperty(k)));
        return c;
    }

    /** The processes a measurement waits to be idle: the stand-ins and the servers (not this JVM, which drives it). */
    private static List<ProcessHandle> othersThan(Collection<ServerProcess> servers) {
        List<ProcessHandle> others = new ArrayList<>(CpuMeter.environment().values());
        others.remove(ProcessHandle.current());
        servers.forEach(server -> others.add(server.handle()));
        return others;
    }

    private static ServerProcess start(Map<String, String> config) {
        ServerProcess server = new ServerProcess("server-" + config.get("sluice.mongo.database"), config);
        server.awaitFirstServed(Load.HTTP, Load.post(0, "/q/health/live", "").GET());
        return server;
    }

    // ---------------------------------------------------------------------------------------------------- start-up

    /** Time from {@code java -jar} to the first accepted event, and resident memory after a warm-up. */
    @Test
    @Order(1)
    void startupAndMemory() {
        List<Double> startup = new ArrayList<>();
        List<Double> rss = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            Map<String, String> config = config("queue");
            try (ServerProcess server = new ServerProcess("startup-" + round, config)) {
                startup.add(server.awaitFirstServed(Load.HTTP,
                        Load.post(0, "/api/ai/usage", Load.aiUsage("startup-" + round + "-" + System.nanoTime()))));
                Load.closedLoop(server.port(), Load.SINGLE, 8, Duration.ofSeconds(5));
                Load.closedLoop(server.port(), Load.BATCH, 8, Duration.ofSeconds(5));
                rss.add(server.rssMiB());
            }
        }
        REPORT.line("### Start-up and memory (JVM, " + ROUNDS + " starts)").table(
                List.of("measure", "median", "spread"),
                List.of(List.of("`java -jar` to the first accepted event (ms)", f0(median(startup)), spread0(startup)),
                        List.of("resident memory after 10 s of load (MiB)", f0(median(rss)), spread0(rss))));
        REPORT.line("Native: no GraalVM/Mandrel can be installed on this machine, so the native executable is not "
                + "measured here; build it with `./mvnw package -Dnative -Dserver` and run this benchmark against it.");
    }

    // ------------------------------------------------------------------------------------------------------ ingest

    /** Throughput and latency of ingest, per write mode, singles and batches of 100, rounds interleaved. */
    @Test
    @Order(2)
    void ingest() {
        List<String> modes = List.of(System.getProperty("bench.ingest-modes", "direct,memory,queue").split(","));
        Map<String, ServerProcess> running = new LinkedHashMap<>();
        List<String> databases = new ArrayList<>();
        try {
            for (String mode : modes) {
                // straight to MongoDB, as to SQS: the counting proxy would cost `direct` a hop the others do not take
                Map<String, String> config = config(mode.replaceAll("\\[.*", ""));
                config.put("quarkus.mongodb.connection-string", SluiceTestServers.directMongoUri());
                // as on Lambda, where the ingest function never flushes: the flush is drained between rounds (below)
                // and measured on its own (the flush benchmark); a 30 s flush firing inside a round of `queue` cost
                // that round about 0.4 ms of server CPU per event (0.98 against 0.61 in one run)
                config.put("sluice.flush.every", "off");
                // a variant, e.g. queue[sluice.queue.send-linger=0], sets keys of its server only
                if (mode.contains("[")) {
                    for (String setting : mode.substring(mode.indexOf('[') + 1, mode.length() - 1).split(";")) {
                        config.put(setting.substring(0, setting.indexOf('=')),
                                setting.substring(setting.indexOf('=') + 1));
                    }
                }
                running.put(mode, start(config));
                databases.add(config.get("sluice.mongo.database"));
            }
            // a fresh JVM compiles for a minute or more on two cores: measure the compiled code
            List<Double> warmUps = new ArrayList<>();
            for (String mode : modes) {
                for (Load.Call call : INGEST_CALLS) {
                    warmUps.add((double) warmUp(mode, running.get(mode), call,
                            databases.get(modes.indexOf(mode))));
                }
            }
            Map<String, List<Load.Result>> results = new LinkedHashMap<>();
            Map<String, List<Double>> sqsPerThousand = new LinkedHashMap<>();
            Map<String, List<Map<String, Double>>> cpuPerEvent = new LinkedHashMap<>();
            Map<String, List<Double>> switchesPerEvent = new LinkedHashMap<>();
            List<ProcessHandle> others = othersThan(running.values());
            for (int round = 0; round < ROUNDS; round++) {
                for (Load.Call call : INGEST_CALLS) {
                    for (int m = 0; m < modes.size(); m++) {
                        String mode = modes.get((m + round) % modes.size());
                        // the flush runs in its own function in production: no round pays for an earlier one's
                        // (nor for the buffer `memory` filled in its round, which it would write during the next)
                        running.values().forEach(server -> drain(server.port()));
                        // what the rounds stored goes: millions of documents filled mongo-java-server's heap, and
                        // its collections then cost `direct` and `memory` more with every round
                        databases.forEach(PackagedBench::forget);
                        CpuMeter.awaitQuiet(others, Duration.ofSeconds(10));
                        int port = running.get(mode).port();
                        double requestsBefore = metric(running.get(mode), SQS_SENDS);
                        CpuMeter cpu = new CpuMeter(running.get(mode).handle());
                        cpu.begin();
                        Map<String, Duration> serverThreads = CpuMeter.byThread(running.get(mode).handle());
                        Load.Result result = Load.closedLoop(port, call, INGEST_CLIENTS,
                                Duration.ofSeconds(INGEST_SECONDS));
                        String key = key(mode, call);
                        record(cpuPerEvent, key, cpu.perEvent(result.events()));
                        record(switchesPerEvent, key, cpu.serverSwitchesPerEvent(result.events()));
                        record(results, key, result);
                        record(sqsPerThousand, key,
                                1000 * (metric(running.get(mode), SQS_SENDS) - requestsBefore) / result.events());
                        // each round in the log, to pair modes measured back to back
                        System.out.printf("round %d %s: %.0f events/s, p99 %.2f ms, CPU per event %s; server CPU by "
                                + "thread (ms) %s%n", round, key, result.eventsPerSecond(),
                                result.latencies().percentileMillis(99),
                                cpuPerEvent.get(key).get(cpuPerEvent.get(key).size() - 1),
                                CpuMeter.byThreadSince(serverThreads, running.get(mode).handle()));
                    }
                }
            }
            running.forEach((mode, server) -> RSS_AFTER_LOAD.put(mode, server.rssMiB()));
            List<List<String>> rows = new ArrayList<>();
            for (Load.Call call : INGEST_CALLS) {
                for (String mode : modes) {
                    List<Load.Result> r = results.get(key(mode, call));
                    List<Double> rate = r.stream().map(Load.Result::eventsPerSecond).toList();
                    List<Double> p50 = r.stream().map(x -> x.latencies().percentileMillis(50)).toList();
                    List<Double> p99 = r.stream().map(x -> x.latencies().percentileMillis(99)).toList();
                    long errors = r.stream().mapToLong(Load.Result::errors).sum();
                    List<Double> sqs = sqsPerThousand.get(key(mode, call));
                    rows.add(List.of(call.name(), mode, f0(median(rate)), spread0(rate), Report.ms(median(p50)),
                            Report.ms(median(p99)), spread2(p99), mode.startsWith("queue") ? f1(median(sqs)) : "-",
                            Long.toString(errors)));
                }
            }
            List<List<String>> cpuRows = new ArrayList<>();
            for (Load.Call call : INGEST_CALLS) {
                for (String mode : modes) {
                    List<String> row = cpuRow(List.of(call.name(), mode), cpuPerEvent.get(key(mode, call)));
                    row.add(f1(median(switchesPerEvent.get(key(mode, call)))));
                    cpuRows.add(row);
                }
            }
            List<String> cpuHeader = cpuHeader("call", "mode");
            cpuHeader.add("server context switches per event");
            List<List<String>> ratios = new ArrayList<>();
            for (Load.Call call : modes.containsAll(List.of("queue", "direct")) ? INGEST_CALLS
                    : List.<Load.Call>of()) {
                double queueRate = median(rates(results, "queue", call));
                double directRate = median(rates(results, "direct", call));
                double queueP99 = median(p99s(results, "queue", call));
                double directP99 = median(p99s(results, "direct", call));
                ratios.add(List.of(call.name(), f2(queueRate / directRate), f2(queueP99 / directP99)));
            }
            REPORT.line("### Ingest (" + INGEST_CLIENTS + " closed-loop clients, after a warm-up per mode and call "
                    + "that ran until the CPU per event of all processes stopped falling and the server's compiler "
                    + "threads took under a tenth of its CPU (" + spread0(warmUps)
                    + " s); " + ROUNDS + " rounds of " + INGEST_SECONDS
                    + " s per mode and call, modes interleaved, each round started with every queue flushed, the "
                    + "other processes idle, and no flush during a round)")
                    .table(List.of("call", "mode", "events/s (median)", "events/s (spread)", "p50 ms", "p99 ms",
                            "p99 spread", "SQS sends per 1,000 events", "non-202"), rows)
                    .table(List.of("call", "queue/direct events/s", "queue/direct p99"), ratios)
                    .line("CPU per accepted event, by process (ms, median of the rounds; on two shared cores latency "
                            + "under load follows the sum)")
                    .table(cpuHeader, cpuRows);
        } finally {
            running.values().forEach(ServerProcess::close);
            databases.forEach(PackagedBench::forget);
        }
    }

    /**
     * Drops a server's database (and its raw copy) once a scenario is done with it: the millions of documents the
     * ingest benchmark stores would otherwise fill mongo-java-server's heap and slow every later scenario down.
     */
    private static void forget(String database) {
        direct.getDatabase(database).drop();
        direct.getDatabase(database + "_raw").drop();
    }

    /** The key of a mode's rounds of a call in the ingest benchmark's maps. */
    private static String key(String mode, Load.Call call) {
        return mode + "/" + call.name();
    }

    /**
     * Runs a mode's load in windows of 10 s until the CPU per event of all processes stops falling (a window within
     * 5 % of the one before, or above it) and the server's JIT compiler threads take less than a tenth of its CPU
     * (as in the flush benchmark), at least {@code bench.warmup-seconds} and at most
     * {@code bench.max-warmup-seconds}; returns the seconds it took. A fixed warm-up left the modes with more code
     * to compile (the server's queue path and ElasticMQ's) still compiling through the rounds: in one run `queue`'s
     * server went from 0.38 to 0.17 ms of CPU per single event over five rounds after 20 s, `direct`'s settled by
     * the third.
     */
    private static int warmUp(String mode, ServerProcess server, Load.Call call, String database) {
        double last = Double.MAX_VALUE;
        int seconds = 0;
        while (seconds < MAX_WARMUP_SECONDS) {
            CpuMeter cpu = new CpuMeter(server.handle());
            cpu.begin();
            Map<String, Duration> threads = CpuMeter.byThread(server.handle());
            Load.Result window = Load.closedLoop(server.port(), call, INGEST_CLIENTS,
                    Duration.ofSeconds(WARMUP_WINDOW_SECONDS));
            seconds += WARMUP_WINDOW_SECONDS;
            double perEvent = CpuMeter.total(cpu.perEvent(window.events()));
            double compiling = CpuMeter.compilingShare(threads, server.handle());
            drain(server.port());
            forget(database);
            System.out.printf("warm-up %s/%s: %d s, %.3f ms of CPU per event, compiler threads %.0f %% of the "
                    + "server's CPU%n", mode, call.name(), seconds, perEvent, 100 * compiling);
            if (seconds >= WARMUP_SECONDS && perEvent > last * 0.95 && compiling < 0.1) {
                break;
            }
            last = perEvent;
        }
        return seconds;
    }

    /** Adds one round's {@code value} to the rounds of {@code key} (a mode and a call). */
    private static <T> void record(Map<String, List<T>> rounds, String key, T value) {
        rounds.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    private static List<Double> rates(Map<String, List<Load.Result>> results, String mode, Load.Call call) {
        return results.get(key(mode, call)).stream().map(Load.Result::eventsPerSecond).toList();
    }

    private static List<Double> p99s(Map<String, List<Load.Result>> results, String mode, Load.Call call) {
        return results.get(key(mode, call)).stream().map(x -> x.latencies().percentileMillis(99)).toList();
    }

    // ------------------------------------------------------------------------------------------------- connections

    /** Ingest instances of the {@code queue} deployment in the connection scenario, each a process of its own. */
    private static final int INGEST_INSTANCES = Integer.getInteger("bench.ingest-instances", 4);
    /** Replica-set members of Atlas M0: a client monitors each. */
    private static final int M0_MEMBERS = 3;

    /**
     * 100 and 1,000 clients, each sending one AI usage record every 2 s for 30 s. {@code direct} and {@code memory}
     * as the design Sluice replaces ran them: one function instance per client, each with its own MongoDB client
     * ({@link OldDesign}). {@code queue} is Sluice as deployed: {@link #INGEST_INSTANCES} ingest-role processes (as
     * Lambda runs several ingest instances) that the clients call in turn, and one flush-role process that drains the
     * queue every 30 s, each reaching MongoDB and Redis through proxies of its own. Connections and commands are
     * counted at MongoDB's socket (the proxies), from before the processes start.
     */
    @Test
    @Order(3)
    void connections() {
        List<List<String>> rows = new ArrayList<>();
        List<List<String>> atlas = new ArrayList<>();
        Map<String, Integer> peaks = new HashMap<>();
        for (int clients : List.of(100, 1000)) {
            for (String mode : List.of("direct", "memory", "queue")) {
                ConnectionRun run = connectionRun(mode, clients);
                peaks.put(mode + clients, run.peak());
                long operations = run.commands().entrySet().stream().filter(e -> !HANDSHAKES.contains(e.getKey()))
                        .mapToLong(Map.Entry::getValue).sum();
                long handshakes = run.commands().entrySet().stream().filter(e -> HANDSHAKES.contains(e.getKey()))
                        .mapToLong(Map.Entry::getValue).sum();
                rows.add(List.of(mode, Integer.toString(clients), Integer.toString(run.instances()),
                        Long.toString(run.sent()), Long.toString(run.stored()), Integer.toString(run.peak()),
                        f1(run.perIngestInstance()), run.flush() < 0 ? "-" : Integer.toString(run.flush()),
                        Integer.toString(run.opened()), Long.toString(operations),
                        f1(operations * 1000.0 / Math.max(1, run.stored())), Long.toString(handshakes),
                        top(run.commands())));
                // on one host a client holds one monitoring connection; on M0 one per member, its pool as measured
                double ingestAtlas = run.perIngestInstance() == 0 ? 0 : run.perIngestInstance() - 1 + M0_MEMBERS;
                int flushAtlas = run.flush() <= 0 ? 0 : run.flush() - 1 + M0_MEMBERS;
                atlas.add(List.of(mode, Integer.toString(clients), f1(ingestAtlas), run.flush() < 0 ? "-"
                        : Integer.toString(flushAtlas), f0(ingestAtlas * run.instances() + flushAtlas)));
            }
        }
        List<List<String>> reduction = new ArrayList<>();
        for (int clients : List.of(100, 1000)) {
            reduction.add(List.of(Integer.toString(clients),
                    f1(100.0 * (1 - peaks.get("queue" + clients) / (double) peaks.get("direct" + clients))) + " %",
                    f1(100.0 * (1 - peaks.get("queue" + clients) / (double) peaks.get("memory" + clients))) + " %"));
        }
        REPORT.line("### MongoDB connections and operations (" + CONNECTION_SECONDS + " s, one event per client "
                + "every " + CLIENT_INTERVAL_MS + " ms; counted at MongoDB's socket from before the processes start; "
                + "`queue`: " + INGEST_INSTANCES + " ingest-role processes and one flush-role process; `direct` and "
                + "`memory`: one MongoDB client per simulated function instance, one instance per client)")
                .table(List.of("mode", "clients", "ingest instances", "events sent", "stored",
                        "peak open connections, all instances", "per ingest instance (peak)", "flush (peak)",
                        "connections opened", "operations", "operations per 1,000 events", "handshakes/heartbeats",
                        "commands"), rows)
                .table(List.of("clients", "peak connections, queue vs direct", "queue vs memory"), reduction)
                .line("Against Atlas M0's three replica-set members a client holds a monitoring connection to each "
                        + "member beside its pool, so each instance that has a client holds two more than on the one "
                        + "host measured here (its pool as measured); an instance without a client holds none:")
                .table(List.of("mode", "clients", "per ingest instance", "flush", "all instances"), atlas);
    }

    /**
     * @param instances ingest instances: processes of Sluice's ingest role, or the old design's clients
     * @param peak the most connections open at once, all instances and the flush together (for {@code queue}, the sum
     *        of each process's peak: at most that many were ever open at once)
     * @param perIngestInstance the peak of one ingest instance (the largest; for the old design, the mean)
     * @param flush the peak of the flush process; -1 where there is none
     */
    private record ConnectionRun(int instances, long sent, long stored, int peak, double perIngestInstance, int flush,
            int opened, Map<String, Long> commands) {
    }

    private ConnectionRun connectionRun(String mode, int clients) {
        Map<String, String> config = config("queue");
        String database = config.get("sluice.mongo.database");
        mongoProxy.resetCounts();
        AtomicLong sent = new AtomicLong();
        ScheduledExecutorService pace = Executors.newScheduledThreadPool(64);
        List<OldDesign> instances = new ArrayList<>();
        List<ServerProcess> ingest = new ArrayList<>();
        List<SluiceTestServers.Proxied> ingestProxies = new ArrayList<>();
        SluiceTestServers.Proxied flushProxies = null;
        ServerProcess flush = null;
        try {
            if (mode.equals("queue")) {
                for (int i = 0; i < INGEST_INSTANCES; i++) {
                    SluiceTestServers.Proxied proxies = counting(SluiceTestServers.ownProxies());
                    ingestProxies.add(proxies);
                    ingest.add(start(role(config, "ingest", proxies)));
                }
                flushProxies = counting(SluiceTestServers.ownProxies());
                flush = start(role(config, "flush", flushProxies));
            } else {
                for (int i = 0; i < clients; i++) {
                    instances.add(new OldDesign(config.get("quarkus.mongodb.connection-string"), database,
                            mode.equals("memory")));
                }
            }
            for (int i = 0; i < clients; i++) {
                OldDesign instance = instances.isEmpty() ? null : instances.get(i);
                int port = ingest.isEmpty() ? 0 : ingest.get(i % ingest.size()).port();
                String user = "user-" + i;
                AtomicLong seq = new AtomicLong();
                long offset = ThreadLocalRandom.current().nextLong(CLIENT_INTERVAL_MS);
                pace.scheduleAtFixedRate(() -> {
                    String id = mode + clients + "-" + user + "-" + seq.incrementAndGet();
                    sent.incrementAndGet();
                    try {
                        if (instance != null) {
                            instance.track(id, user);
                        } else {
                            Load.send(port, "/api/ai/usage", Load.aiUsage(id));
                        }
                    } catch (RuntimeException e) {
                        sent.decrementAndGet();
                    }
                }, offset, CLIENT_INTERVAL_MS, TimeUnit.MILLISECONDS);
                if (instance != null && mode.equals("memory")) {
                    pace.scheduleAtFixedRate(instance::write, offset + 30_000, 30_000, TimeUnit.MILLISECONDS);
                }
            }
            // the flush schedule, every 30 s (EventBridge's part on AWS)
            ServerProcess flushing = flush;
            if (flushing != null) {
                pace.scheduleAtFixedRate(() -> flush(flushing.port()), 30, 30, TimeUnit.SECONDS);
            }
            sleep(Duration.ofSeconds(CONNECTION_SECONDS));
            // no more sends; those under way finish (an interrupted driver call may be stored and still throw)
            pace.shutdown();
            pace.awaitTermination(60, TimeUnit.SECONDS);
            // the last writes: the buffers' and the flush's
            instances.forEach(OldDesign::write);
            if (flush != null) {
                drain(flush.port());
            }
            long stored = direct.getDatabase(database).getCollection("ai_usage").countDocuments();
            if (flush == null) {
                return new ConnectionRun(clients, sent.get(), stored, mongoProxy.peakConnections(),
                        mongoProxy.peakConnections() / (double) clients, -1, mongoProxy.acceptedConnections(),
                        mongoProxy.commands());
            }
            Map<String, Long> commands = new HashMap<>(flushProxies.mongo().commands());
            int peak = flushProxies.mongo().peakConnections();
            int opened = flushProxies.mongo().acceptedConnections();
            int perInstance = 0;
            for (SluiceTestServers.Proxied proxies : ingestProxies) {
                proxies.mongo().commands().forEach((name, n) -> commands.merge(name, n, Long::sum));
                peak += proxies.mongo().peakConnections();
                opened += proxies.mongo().acceptedConnections();
                perInstance = Math.max(perInstance, proxies.mongo().peakConnections());
            }
            return new ConnectionRun(INGEST_INSTANCES, sent.get(), stored, peak, perInstance,
                    flushProxies.mongo().peakConnections(), opened, commands);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            pace.shutdownNow();
            instances.forEach(OldDesign::close);
            ingest.forEach(ServerProcess::close);
            if (flush != null) {
                flush.close();
            }
            ingestProxies.forEach(SluiceTestServers.Proxied::close);
            if (flushProxies != null) {
                flushProxies.close();
            }
        }
    }

    private static SluiceTestServers.Proxied counting(SluiceTestServers.Proxied proxies) {
        proxies.mongo().countMongoCommands();
        return proxies;
    }

    /** A server of one role, its MongoDB and Redis reached through its own proxies. */
    private static Map<String, String> role(Map<String, String> config, String role,
            SluiceTestServers.Proxied proxies) {
        Map<String, String> c = new HashMap<>(config);
        c.putAll(proxies.config());
        c.put("sluice.role", role);
        return c;
    }

    /** A value of the server's Prometheus metrics ({@code /q/metrics}), 0 when absent. */
    private static double metric(ServerProcess server, String name) {
        try {
            String text = Load.HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:"
                    + server.operationsPort() + "/q/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            return text.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Flushes until a flush finds the queue empty (waiting out one the schedule still runs). */
    private static void drain(int port) {
        while (true) {
            JsonNode report = flush(port);
            String stop = report.path("stop").asText();
            if (stop.equals("QUEUE_EMPTY") && report.path("messages").asInt() == 0) {
                return;
            }
            if (!stop.equals("TIME_BUDGET") && !stop.equals("EVENT_BUDGET") && !stop.equals("QUEUE_EMPTY")) {
                sleep(Duration.ofMillis(200));
            }
        }
    }

    private static JsonNode flush(int port) {
        try {
            return JSON.readTree(Load.send(port, "/internal/flush", ""));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String top(Map<String, Long> commands) {
        return commands.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(4)
                .map(e -> e.getKey() + " " + e.getValue()).reduce((a, b) -> a + ", " + b).orElse("");
    }

    // ------------------------------------------------------------------------------------------------------- flush

    /**
     * A backlog of queued events flushed into MongoDB, against a raw unordered {@code insertMany} of the same
     * documents in chunks of the same size over the same connection path; then the drain after a MongoDB outage.
     */
    @Test
    @Order(4)
    void flush() {
        List<Double> flushRates = new ArrayList<>();
        List<Double> storeRates = new ArrayList<>();
        List<Double> rawRates = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Double> storeRatios = new ArrayList<>();
        List<Double> bareRates = new ArrayList<>();
        List<Double> bareRatios = new ArrayList<>();
        List<Double> foldShares = new ArrayList<>();
        List<Map<String, Double>> flushCpu = new ArrayList<>();
        List<Map<String, Double>> rawCpu = new ArrayList<>();
        Map<String, String> config = config("queue");
        String database = config.get("sluice.mongo.database");
        List<Double> compilingShares = new ArrayList<>();
        WarmUp warmUp;
        try (ServerProcess server = start(config);
                MongoClient raw = MongoClients.create(config.get("quarkus.mongodb.connection-string"))) {
            warmUp = warmUpFlush(server, database, raw);
            List<ProcessHandle> others = othersThan(List.of(server));
            MongoCollection<Document> flushed = direct.getDatabase(database).getCollection("ai_usage");
            for (int round = 0; round < ROUNDS; round++) {
                fill(server.port(), BACKLOG);
                // neither the flush nor the raw insert pays for work left behind (ElasticMQ's and mongo-java-server's
                // garbage collection after the fill, after the flush, the server's compiling), whichever is
                // measured second
                CpuMeter.awaitQuiet(all(server, others), Duration.ofSeconds(10));
                double foldBefore = metric(server, "sluice_rollup_fold_seconds_sum");
                CpuMeter cpu = new CpuMeter(server.handle());
                cpu.begin();
                Map<String, Duration> serverThreads = CpuMeter.byThread(server.handle());
                long start = System.nanoTime();
                long stored = 0;
                while (stored < BACKLOG) {
                    JsonNode report = flush(server.port());
                    stored += report.path("inserted").asLong();
                    if (report.path("messages").asInt() == 0) {
                        break;
                    }
                }
                double flushSeconds = (System.nanoTime() - start) / 1e9;
                flushCpu.add(cpu.perEvent(BACKLOG));
                compilingShares.add(100 * CpuMeter.compilingShare(serverThreads, server.handle()));
                System.out.printf("flush round %d, server CPU by thread (ms): %s%n", round,
                        CpuMeter.byThreadSince(serverThreads, server.handle()));
                double foldSeconds = metric(server, "sluice_rollup_fold_seconds_sum") - foldBefore;
                if (stored != BACKLOG) {
                    throw new IllegalStateException("the flush stored " + stored + " of " + BACKLOG);
                }
                List<Document> documents = flushed.find().into(new ArrayList<>());
                // the next round's flush writes into a collection as empty as the baseline's
                flushed.deleteMany(new Document());
                MongoDatabase rawDatabase = raw.getDatabase(database + "_raw");
                // the baseline writes into what the flush writes into: a collection with the same indexes, which
                // MongoDB keeps up whoever inserts; and, for comparison, one with `_id` alone
                MongoCollection<Document> same = rawDatabase.getCollection("ai_usage");
                copyIndexes(flushed, same);
                Timed rawInsert = insertMany(server, same, documents, others);
                rawCpu.add(rawInsert.cpuPerEvent());
                double rawSeconds = rawInsert.seconds();
                double bareSeconds = insertMany(server, rawDatabase.getCollection("ai_usage_bare"), documents, others)
                        .seconds();
                rawDatabase.drop();
                flushRates.add(BACKLOG / flushSeconds);
                storeRates.add(BACKLOG / (flushSeconds - foldSeconds));
                rawRates.add(documents.size() / rawSeconds);
                bareRates.add(documents.size() / bareSeconds);
                ratios.add(rawSeconds / flushSeconds);
                storeRatios.add(rawSeconds / (flushSeconds - foldSeconds));
                bareRatios.add(bareSeconds / flushSeconds);
                foldShares.add(100 * foldSeconds / flushSeconds);
                System.out.printf("flush round %d: flush %.2f s (fold %.2f s), raw insertMany %.2f s, into `_id` alone "
                        + "%.2f s; CPU per event: flush %s, raw %s%n", round, flushSeconds, foldSeconds, rawSeconds,
                        bareSeconds, flushCpu.get(round), rawCpu.get(round));
            }
        } finally {
            forget(database);
        }
        OutageDrain outage = outageDrain();
        REPORT.line("### Flush (" + BACKLOG + " queued events, " + ROUNDS + " rounds on one server, warmed up first by "
                + "draining 20,000 events at a time until its compiler threads took under a tenth of its CPU, at most "
                + MAX_FLUSH_WARMUPS + " times (" + String.format("%,d events, %.0f %% in the last", warmUp.events(),
                        100 * warmUp.compilingShare()) + "); each part started with the other processes idle)").table(
                List.of("measure", "median", "spread"),
                List.of(List.of("flush: queue to MongoDB, rollups folded (events/s)", f0(median(flushRates)),
                        spread0(flushRates)),
                        List.of("... without the rollup fold: receive, insertMany, delete (events/s)",
                                f0(median(storeRates)), spread0(storeRates)),
                        List.of("raw unordered insertMany of the same documents, chunks of 500, into a collection "
                                + "with the same indexes (events/s)", f0(median(rawRates)), spread0(rawRates)),
                        List.of("flush efficiency (flush / raw)", f2(median(ratios)), spread2(ratios)),
                        List.of("... without the rollup fold", f2(median(storeRatios)), spread2(storeRatios)),
                        List.of("raw insertMany as above into a collection with `_id` alone (events/s)",
                                f0(median(bareRates)), spread0(bareRates)),
                        List.of("flush / raw into `_id` alone", f2(median(bareRatios)), spread2(bareRatios)),
                        List.of("rollup fold, share of the flush's time (%)", f0(median(foldShares)),
                                spread0(foldShares)),
                        List.of("the server's JIT compiler threads, share of its CPU in the flush (%; none in a "
                                + "native build)", f0(median(compilingShares)), spread0(compilingShares)),
                        List.of("MongoDB down " + OUTAGE_SECONDS + " s under 1,000 events/s: backlog (events)",
                                Long.toString(outage.backlog), ""),
                        List.of("... drained after MongoDB is back, flushing back to back (s)",
                                f1(outage.seconds), ""),
                        List.of("... flushes failed during the outage (none lost: the queue keeps them)",
                                Integer.toString(outage.failedFlushes), "")))
                .line("CPU per event of the flush and of the raw insertMany, by process (microseconds, median of the "
                        + "rounds; the load generator is the raw insert's client)")
                .table(cpuHeader("part"), List.of(cpuRow(List.of("flush"), flushCpu, PackagedBench::micros),
                        cpuRow(List.of("raw insertMany"), rawCpu, PackagedBench::micros)));
    }

    /** The columns of a CPU table: {@code first}, each process of {@link CpuMeter#names()}, and their sum. */
    private static List<String> cpuHeader(String... first) {
        List<String> header = new ArrayList<>(List.of(first));
        header.addAll(List.of(CpuMeter.names()));
        header.add("all");
        return header;
    }

    /** {@code first}, then the median over the rounds of each process's CPU per event, then of their sum (in ms). */
    private static List<String> cpuRow(List<String> first, List<Map<String, Double>> rounds) {
        return cpuRow(first, rounds, Report::ms);
    }

    /** As {@link #cpuRow(List, List)}, each number written by {@code format} from milliseconds. */
    private static List<String> cpuRow(List<String> first, List<Map<String, Double>> rounds,
            DoubleFunction<String> format) {
        List<String> row = new ArrayList<>(first);
        for (String process : CpuMeter.names()) {
            double ms = median(rounds.stream().map(x -> x.get(process)).toList());
            row.add(Double.isNaN(ms) ? "-" : format.apply(ms));
        }
        row.add(format.apply(median(rounds.stream().map(CpuMeter::total).toList())));
        return row;
    }

    private static String micros(double millis) {
        return f1(millis * 1000);
    }

    /**
     * Fills the queue of a fresh server with {@link #FLUSH_WARMUP_EVENTS} events and drains it, until the server's
     * JIT compiler threads spend less than a tenth of its CPU in a drain, at most {@link #MAX_FLUSH_WARMUPS} times:
     * the flush's code is then compiled, as in a function that has flushed for a while (after a single drain of
     * 20,000 events, the compiler threads took half of the server's CPU in the measured flush). The raw baseline's
     * client inserts each drain's documents alike, so its code is compiled too. The documents are deleted after each
     * drain: the flush writes into collections as empty as the baseline's.
     *
     * @return the events drained, and the compiler threads' share of the server's CPU in the last drain
     */
    private static WarmUp warmUpFlush(ServerProcess server, String database, MongoClient raw) {
        List<ProcessHandle> all = all(server, othersThan(List.of(server)));
        MongoCollection<Document> flushed = direct.getDatabase(database).getCollection("ai_usage");
        MongoDatabase scratch = raw.getDatabase(database + "_raw");
        int drains = 0;
        double compiling = Double.NaN;
        while (drains < MAX_FLUSH_WARMUPS) {
            fill(server.port(), FLUSH_WARMUP_EVENTS);
            CpuMeter.awaitQuiet(all, Duration.ofSeconds(10));
            Map<String, Duration> before = CpuMeter.byThread(server.handle());
            drain(server.port());
            drains++;
            compiling = CpuMeter.compilingShare(before, server.handle());
            System.out.printf("flush warm-up: %d events, the compiler threads' share of the server's CPU %.0f %%%n",
                    drains * FLUSH_WARMUP_EVENTS, 100 * compiling);
            List<Document> documents = flushed.find().into(new ArrayList<>());
            flushed.deleteMany(new Document());
            insertMany(server, scratch.getCollection("warm_up"), documents, List.of());
            scratch.drop();
            if (compiling < 0.1) {
                break;
            }
        }
        return new WarmUp(drains * FLUSH_WARMUP_EVENTS, compiling);
    }

    private record WarmUp(int events, double compilingShare) {
    }

    private static List<ProcessHandle> all(ServerProcess server, List<ProcessHandle> others) {
        List<ProcessHandle> all = new ArrayList<>(others);
        all.add(server.handle());
        return all;
    }

    /** The secondary indexes of {@code from}, created alike on {@code to}. */
    private static void copyIndexes(MongoCollection<Document> from, MongoCollection<Document> to) {
        for (Document index : from.listIndexes()) {
            if ("_id_".equals(index.getString("name"))) {
                continue;
            }
            IndexOptions options = new IndexOptions().name(index.getString("name"))
                    .sparse(Boolean.TRUE.equals(index.getBoolean("sparse")));
            if (index.get("expireAfterSeconds") instanceof Number seconds) {
                options.expireAfter(seconds.longValue(), TimeUnit.SECONDS);
            }
            to.createIndex(index.get("key", Document.class), options);
        }
    }

    /** How long a part of the flush benchmark took, and the CPU each process spent per event meanwhile. */
    private record Timed(double seconds, Map<String, Double> cpuPerEvent) {
    }

    /** Inserts {@code documents} unordered in chunks of 500, started once the other processes are idle. */
    private static Timed insertMany(ServerProcess server, MongoCollection<Document> target, List<Document> documents,
            List<ProcessHandle> others) {
        target.countDocuments();
        CpuMeter.awaitQuiet(others, Duration.ofSeconds(10));
        CpuMeter cpu = new CpuMeter(server.handle());
        cpu.begin();
        long start = System.nanoTime();
        for (int i = 0; i < documents.size(); i += 500) {
            target.insertMany(documents.subList(i, Math.min(documents.size(), i + 500)),
                    new InsertManyOptions().ordered(false));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Timed(seconds, cpu.perEvent(documents.size()));
    }

    private record OutageDrain(long backlog, double seconds, int failedFlushes) {
    }

    private OutageDrain outageDrain() {
        Map<String, String> config = config("queue");
        try (ServerProcess server = start(config)) {
            ScheduledExecutorService pace = Executors.newScheduledThreadPool(4);
            AtomicLong sent = new AtomicLong();
            mongoProxy.down();
            int failed = 0;
            try {
                for (int c = 0; c < 4; c++) {
                    // 4 clients x a batch of 100 every 400 ms: 1,000 events/s
                    pace.scheduleAtFixedRate(() -> {
                        Load.send(server.port(), "/api/ai/usage", Load.BATCH.body().apply(
                                ThreadLocalRandom.current().nextLong(Long.MAX_VALUE)));
                        sent.addAndGet(100);
                    }, c * 100, 400, TimeUnit.MILLISECONDS);
                }
                long end = System.nanoTime() + Duration.ofSeconds(OUTAGE_SECONDS).toNanos();
                while (System.nanoTime() < end) {
                    sleep(Duration.ofSeconds(Math.min(30, OUTAGE_SECONDS)));
                    if (flush(server.port()).path("stop").asText().endsWith("_UNAVAILABLE")) {
                        failed++;
                    }
                }
                pace.shutdown();
                pace.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                pace.shutdownNow();
                mongoProxy.up();
            }
            long start = System.nanoTime();
            long stored = 0;
            while (stored < sent.get()) {
                JsonNode report = flush(server.port());
                stored += report.path("inserted").asLong();
                if (report.path("messages").asInt() == 0 && stored < sent.get()) {
                    sleep(Duration.ofMillis(200));
                }
            }
            return new OutageDrain(sent.get(), (System.nanoTime() - start) / 1e9, failed);
        } finally {
            forget(config.get("sluice.mongo.database"));
        }
    }

    /** Queues {@code events} AI usage events in batches of 100, from 8 clients. */
    private static void fill(int port, int events) {
        AtomicLong left = new AtomicLong(events / 100);
        Load.concurrently(8, c -> {
            while (left.getAndDecrement() > 0) {
                Load.send(port, "/api/ai/usage", Load.BATCH.body().apply(
                        ThreadLocalRandom.current().nextLong(Long.MAX_VALUE)));
            }
        });
    }

    /** Resident memory of the three servers after the ingest benchmark, for the record. */
    @Test
    @Order(5)
    void memoryAfterLoad() {
        List<List<String>> rows = new ArrayList<>();
        RSS_AFTER_LOAD.forEach((mode, rss) -> rows.add(List.of(mode, f0(rss))));
        REPORT.line("### Resident memory after the ingest benchmark").table(List.of("mode", "MiB"), rows);
    }

    /**
     * The CPU one request costs the local stand-ins and their client, one caller at a time: a SendMessageBatch of one
     * single-event message to ElasticMQ through the AWS SDK (what a Lambda ingest call sends), with the Lambda
     * artifact's HTTP client and with the server build's; with the server build's, also one message of 8 events (what
     * a send group of concurrent calls sends: the cost is mostly per request, not per byte); and an {@code insertOne}
     * to mongo-java-server through the MongoDB driver (what {@code direct} sends). It explains the single-event
     * comparison of the ingest benchmark on a machine whose two cores all processes share.
     */
    @Test
    @Order(6)
    void standIns() {
        Optional<ProcessHandle> sqsProcess = ChildServer.process("sqs");
        Optional<ProcessHandle> mongoProcess = ChildServer.process("mongo");
        if (sqsProcess.isEmpty() || mongoProcess.isEmpty()) {
            REPORT.line("### Cost of one request\n\nNot measured: the servers are not local stand-ins of this run.");
            return;
        }
        String message = "{\"v\":1,\"events\":[{\"id\":\"s-1\",\"kind\":\"ai_usage\",\"userId\":\"user-1\","
                + "\"doc\":" + Load.aiUsage("s-1") + "}]}";
        // what a send group of 8 concurrent single events sends: their messages merged into one
        String group = STAND_IN_CODEC.merge(IntStream.range(0, 8).mapToObj(i -> message
                .replace("s-1", "s-" + i).replace("user-1", "user-" + i * 37)).toList()).get(0);
        Map<String, String> messages = new LinkedHashMap<>();
        messages.put("one event (" + message.length() + " B)", message);
        messages.put("8 events (" + group.length() + " B)", group);
        List<List<String>> rows = new ArrayList<>();
        Map<String, SdkHttpClient.Builder<?>> clients = new LinkedHashMap<>();
        clients.put("URL connection client, as the Lambda artifact", UrlConnectionHttpClient.builder());
        clients.put("Apache client, as the server build", ApacheHttpClient.builder());
        for (Map.Entry<String, SdkHttpClient.Builder<?>> client : clients.entrySet()) {
            try (SqsClient sqs = EmbeddedServers.sqsClient(SluiceTestServers.directSqsEndpoint(),
                    EmbeddedServers.REGION, true, client.getValue())) {
                String url = sqs.createQueue(b -> b.queueName("bench-stand-in-" + rows.size())).queueUrl();
                // the Lambda artifact's client sends one call's events: one row, to compare the clients
                List<Map.Entry<String, String>> bodies = new ArrayList<>(messages.entrySet());
                for (Map.Entry<String, String> body : client.getValue() instanceof UrlConnectionHttpClient.Builder
                        ? bodies.subList(0, 1) : bodies) {
                    rows.add(requestCost("SendMessageBatch of one message, " + body.getKey() + ", to ElasticMQ "
                            + "(AWS SDK, " + client.getKey() + ")", sqsProcess.get(),
                            i -> sqs.sendMessageBatch(b -> b.queueUrl(url).entries(SendMessageBatchRequestEntry
                                    .builder().id("0").messageBody(body.getValue()).build()))));
                }
                sqs.deleteQueue(b -> b.queueUrl(url));
            }
        }
        MongoCollection<Document> events = direct.getDatabase("bench_stand_in").getCollection("events");
        rows.add(requestCost("insertOne to mongo-java-server (MongoDB driver)", mongoProcess.get(),
                i -> events.insertOne(Document.parse(Load.aiUsage("s-" + i)).append("_id", "s-" + i))));
        REPORT.line("### Cost of one request at the local stand-ins (one caller, " + STAND_IN_CALLS
                + " requests after as many of warm-up, 3 rounds)").table(List.of("request", "server CPU (ms, median)",
                        "client CPU (ms, median)", "requests/s (median)"), rows);
    }

    private static List<String> requestCost(String name, ProcessHandle server, IntConsumer request) {
        for (int i = 0; i < STAND_IN_CALLS; i++) {
            request.accept(i);
        }
        List<Double> serverCpu = new ArrayList<>();
        List<Double> clientCpu = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            Duration server0 = cpu(server);
            Duration client0 = cpu(ProcessHandle.current());
            long start = System.nanoTime();
            for (int i = 0; i < STAND_IN_CALLS; i++) {
                request.accept(round * STAND_IN_CALLS + i);
            }
            rates.add(STAND_IN_CALLS / ((System.nanoTime() - start) / 1e9));
            serverCpu.add(cpu(server).minus(server0).toNanos() / 1e6 / STAND_IN_CALLS);
            clientCpu.add(cpu(ProcessHandle.current()).minus(client0).toNanos() / 1e6 / STAND_IN_CALLS);
        }
        return List.of(name, f2(median(serverCpu)), f2(median(clientCpu)), f0(median(rates)));
    }

    private static Duration cpu(ProcessHandle process) {
        return process.info().totalCpuDuration().orElseThrow();
    }

    // ----------------------------------------------------------------------------------------------------- helpers

    /** Median of the rounds that measured something (a round with no answered call has no percentile). */
    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).sorted()
                .toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static String spread0(List<Double> values) {
        return f0(min(values)) + "-" + f0(max(values));
    }

    private static String spread2(List<Double> values) {
        return f2(min(values)) + "-" + f2(max(values));
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).min().orElse(Double.NaN);
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
    }

    private static String f0(double v) {
        return String.format("%,.0f", v);
    }

    private static String f1(double v) {
        return String.format("%.1f", v);
    }

    private static String f2(double v) {
        return String.format("%.2f", v);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

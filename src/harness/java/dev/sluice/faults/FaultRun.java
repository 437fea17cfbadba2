package dev.sluice.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import org.bson.Document;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;

import dev.sluice.packaged.FunctionProcess;
import dev.sluice.testing.FaultProxy;
import dev.sluice.testing.SluiceTestServers;

/**
 * The fault scenario, against the deployment package run as Lambda runs it ({@link FunctionProcess}) and the test
 * servers behind their proxies ({@link SluiceTestServers}): a steady stream of events while the flush is killed with
 * SIGKILL in the middle of flushes, MongoDB is stopped, then Redis, then the queue, each restarted; then the queue is
 * drained (dead letters replayed) and every acknowledged event is looked up in MongoDB.
 *
 * <p>{@code queue} mode runs as deployed: an ingest function and a flush function, the schedule calling the flush.
 * {@code memory} mode, the design Sluice replaces, is one process holding events in its buffer; the kills hit it
 * whole.
 */
public final class FaultRun {

    private static final String KEY = SluiceTestServers.KEY;

    private final FaultPlan plan;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final List<String> timeline = new ArrayList<>();
    private final AtomicInteger noAnswers = new AtomicInteger();
    private long startedAt;

    public FaultRun(FaultPlan plan) {
        this.plan = plan;
        new SluiceTestServers().start();
    }

    /** What happened when, for the log. */
    public synchronized List<String> timeline() {
        return List.copyOf(timeline);
    }

    public FaultReport queueMode() {
        Map<String, String> config = config("queue");
        startedAt = System.nanoTime();
        int kills = 0;
        int partial = 0;
        try (FunctionProcess ingest = function("faults-queue-ingest", config, "ingest");
                FunctionProcess flush = function("faults-queue-flush", config, "flush");
                MongoClient mongo = MongoClients.create(SluiceTestServers.directMongoUri());
                EventStream stream = new EventStream("q" + run, ingest.gatewayPort(), KEY, plan.sendEvery());
                Schedule schedule = new Schedule(flush.gatewayPort())) {
            MongoDatabase db = mongo.getDatabase(config.get("sluice.mongo.database"));
            stream.onNoAnswer(() -> noAnswer(ingest));
            stream.start();
            schedule.start();
            mark("stream and the flush schedule started");
            sleep(plan.steady());
            for (int attempt = 0; kills < plan.kills() && attempt < plan.kills() * 5; attempt++) {
                switch (killMidFlush(flush, schedule, db)) {
                    case PARTIAL -> {
                        kills++;
                        partial++;
                    }
                    case BEFORE_STORING -> kills++;
                    case MISSED -> {
                        // the flush ended first: try again
                    }
                }
            }
            sleep(plan.steady());
            outages();
            stream.close();
            mark("stream stopped");
            schedule.close();
            int replayed = drain(flush.gatewayPort(), db);
            return report("queue", stream, db, kills, partial, replayed, schedule);
        }
    }

    public FaultReport memoryMode() {
        Map<String, String> config = config("memory");
        config.put("sluice.memory.every", plan.flushEvery().toMillis() + "ms");
        startedAt = System.nanoTime();
        int kills = 0;
        try (FunctionProcess app = function("faults-memory", config, "all");
                MongoClient mongo = MongoClients.create(SluiceTestServers.directMongoUri());
                EventStream stream = new EventStream("m" + run, app.gatewayPort(), KEY, plan.sendEvery());
                Schedule schedule = new Schedule(app.gatewayPort())) {
            MongoDatabase db = mongo.getDatabase(config.get("sluice.mongo.database"));
            stream.start();
            schedule.start();
            mark("stream and the schedule started");
            sleep(plan.steady());
            for (int i = 0; i < plan.kills(); i++) {
                sleep(plan.backlog());
                // right after an acknowledged call: the buffer holds at least that call's events
                stream.awaitAccepted(Duration.ofSeconds(10));
                app.kill();
                kills++;
                mark("SIGKILL " + (i + 1));
                app.start();
                awaitLive(app);
                mark("restarted");
            }
            sleep(plan.steady());
            outages();
            stream.close();
            mark("stream stopped");
            // two write intervals for the buffer to be written by its own schedule, then a graceful stop, which
            // writes what is left
            sleep(plan.flushEvery().multipliedBy(2));
            schedule.close();
            flushOnce(app.gatewayPort());
            app.stop();
            mark("stopped (SIGTERM)");
            return report("memory", stream, db, kills, 0, 0, schedule);
        }
    }

    /** MongoDB, then Redis, then the queue, each stopped and restarted with normal operation in between. */
    private void outages() {
        outage("MongoDB", SluiceTestServers.mongoProxy(), plan.mongoOutage());
        outage("Redis", SluiceTestServers.redisProxy(), plan.redisOutage());
        outage("the queue", SluiceTestServers.sqsProxy(), plan.queueOutage());
    }

    private void outage(String what, FaultProxy proxy, Duration length) {
        proxy.down();
        mark(what + " stopped");
        sleep(length);
        proxy.up();
        mark(what + " restarted");
        sleep(plan.steady());
    }

    private enum Kill {
        PARTIAL, BEFORE_STORING, MISSED
    }

    /**
     * Lets events pile up, slows MongoDB down (every round trip takes 200 ms more) so the flush takes a while, starts
     * a flush and SIGKILLs the function as soon as its first events are stored (plus up to 300 ms more, so some kills
     * land during the rollup fold or before the delete): the flush has received messages, stored part of them and
     * deleted none.
     */
    private Kill killMidFlush(FunctionProcess flush, Schedule schedule, MongoDatabase db) {
        schedule.pause();
        sleep(plan.backlog());
        long before = stored(db);
        SluiceTestServers.mongoProxy().delay(Duration.ofMillis(100));
        CompletableFuture<HttpResponse<String>> call = http.sendAsync(flushRequest(flush.gatewayPort()),
                HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        boolean storing = false;
        while (!call.isDone() && System.nanoTime() < deadline) {
            if (stored(db) > before) {
                storing = true;
                break;
            }
            EventStream.sleepNanos(5_000_000);
        }
        Kill outcome;
        if (storing) {
            EventStream.sleepNanos(ThreadLocalRandom.current().nextLong(300) * 1_000_000);
        }
        if (call.isDone()) {
            outcome = Kill.MISSED;
            mark("the flush ended before it could be killed; again");
        } else {
            flush.kill();
            long after = stored(db);
            outcome = storing ? Kill.PARTIAL : Kill.BEFORE_STORING;
            mark("SIGKILL during a flush, " + (after - before) + " events stored by it");
        }
        SluiceTestServers.mongoProxy().delay(Duration.ZERO);
        if (outcome != Kill.MISSED) {
            flush.start();
            awaitLive(flush);
            mark("flush function restarted");
        }
        schedule.resume();
        return outcome;
    }

    /**
     * After the faults: replays whatever reached the dead-letter queue and flushes until the queue is empty, nothing
     * is in flight (messages taken by a killed flush come back after the visibility timeout), no dead letter is left
     * and no fold is unfinished (a killed flush's fold is taken over after {@code recover-after}). Returns the
     * messages replayed.
     */
    private int drain(int port, MongoDatabase db) {
        int replayed = 0;
        long deadline = System.nanoTime() + plan.visibilityTimeout().multipliedBy(3).plus(plan.recoverAfter())
                .plusSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode replay = send(adminPost(port, "/internal/dlq/replay", Duration.ofSeconds(60)));
            replayed += replay == null ? 0 : replay.path("replayed").asInt();
            flushOnce(port);
            JsonNode queue = queueDepth(port);
            if (queue != null && queue.path("messages").asLong(-1) == 0 && queue.path("inFlight").asLong(-1) == 0
                    && queue.path("deadLetters").asLong(-1) == 0
                    && db.getCollection("fold_journal").countDocuments() == 0) {
                mark("queue drained, " + replayed + " dead letters replayed, every fold finished");
                return replayed;
            }
            sleep(Duration.ofSeconds(1));
        }
        throw new IllegalStateException("the queue did not drain: " + queueDepth(port));
    }

    private FaultReport report(String mode, EventStream stream, MongoDatabase db, int kills, int partial,
            int replayed, Schedule schedule) {
        Set<String> inMongo = new HashSet<>();
        for (String collection : List.of("ai_usage", "analytics")) {
            for (Document d : db.getCollection(collection).find().projection(new Document("_id", 1))) {
                inMongo.add(d.get("_id", Document.class).getString("id"));
            }
        }
        Set<String> accepted = stream.accepted();
        long stored = accepted.stream().filter(inMongo::contains).count();
        long unacknowledged = inMongo.stream().filter(id -> !accepted.contains(id)).count();
        long unsent = inMongo.stream().filter(id -> !accepted.contains(id) && !stream.unacknowledged().contains(id))
                .count();
        long counted = 0;
        for (Document day : db.getCollection("platform_daily").find()) {
            Document totals = day.get("totals", Document.class);
            counted += number(totals, "requests") + number(totals, "analyticsEvents");
        }
        long seconds = (System.nanoTime() - startedAt) / 1_000_000_000L;
        return new FaultReport(mode, plan.name(), stream.sent(), accepted.size(), stream.rejected(), stream.refused(),
                stream.unanswered(), stream.unacknowledged().size(), stream.resent(), stored, unacknowledged,
                unsent, Math.max(0, counted - inMongo.size()),
                Math.max(0, inMongo.size() - counted), accepted.size() - stored, kills, partial, replayed,
                schedule.flushes, schedule.failed, seconds, stream.refusals());
    }

    private static long number(Document d, String field) {
        Object v = d == null ? null : d.get(field);
        return v instanceof Number n ? n.longValue() : 0;
    }

    private static long stored(MongoDatabase db) {
        return db.getCollection("ai_usage").countDocuments() + db.getCollection("analytics").countDocuments();
    }

    private Map<String, String> config(String mode) {
        Map<String, String> config = new HashMap<>(SluiceTestServers.config());
        config.putAll(SluiceTestServers.freshQueues("sluice-faults-" + mode));
        config.put("sluice.write-mode", mode);
        config.put("sluice.mongo.database", "sluice_faults_" + mode + "_" + run);
        config.put("sluice.stats.key-prefix", "sluice-faults-" + mode + "-" + run + ":");
        config.put("sluice.flush.visibility-timeout", plan.visibilityTimeout().toMillis() + "ms");
        config.put("sluice.flush.time-budget", plan.flushTimeBudget().toMillis() + "ms");
        config.put("sluice.rollup.recover-after", plan.recoverAfter().toMillis() + "ms");
        // several inserts per flush, so that a kill can fall between them
        config.put("sluice.flush.insert-chunk-size", "25");
        return config;
    }

    private FunctionProcess function(String name, Map<String, String> config, String role) {
        Map<String, String> withRole = new HashMap<>(config);
        withRole.put("sluice.role", role);
        FunctionProcess function = new FunctionProcess(name, withRole,
                Map.of("AWS_LAMBDA_FUNCTION_NAME", name));
        function.start();
        awaitLive(function);
        return function;
    }

    /**
     * Asks the function's liveness until it answers. Each ask gives up after 10 s: the mock Runtime API can hand an
     * event to the poll of an instance that was killed while waiting for one, and that event is never answered.
     */
    private void awaitLive(FunctionProcess function) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + function.gatewayPort() + "/q/health/live"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(Duration.ofMillis(200));
        }
        throw new IllegalStateException("the function did not start; see " + function.log());
    }

    private HttpRequest flushRequest(int port) {
        return adminPost(port, "/internal/flush", plan.flushTimeBudget().plusSeconds(60));
    }

    private static HttpRequest adminPost(int port, String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(timeout)
                .header("Authorization", "Bearer " + KEY).POST(HttpRequest.BodyPublishers.noBody()).build();
    }

    /** One flush; its report, or null when the call failed. */
    private JsonNode flushOnce(int port) {
        return send(flushRequest(port));
    }

    /** The answer's JSON, or null when the call failed or was not answered 200. */
    private JsonNode send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? json.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The queue check of the readiness report: {@code messages}, {@code inFlight}, {@code deadLetters}. */
    private JsonNode queueDepth(int port) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/q/health/ready")).timeout(Duration.ofSeconds(60))
                    .build(), HttpResponse.BodyHandlers.ofString());
            for (JsonNode check : json.readTree(response.body()).path("checks")) {
                if ("queue".equals(check.path("name").asText())) {
                    return check.path("data");
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A call of the stream got no answer in queue mode, where the ingest function is never stopped: the timeline
     * names a dump of the function's threads, to show what the invocation waits for (the first three times).
     */
    private void noAnswer(FunctionProcess function) {
        if (noAnswers.incrementAndGet() <= 3) {
            Path dump = function.threadDump();
            mark("a call got no answer; the function's threads: " + (dump == null ? "no dump (no instance running)"
                    : dump));
            if (dump != null) { // into the build's output too, which outlives the machine's target/
                try {
                    System.out.println(Files.readString(dump));
                } catch (IOException e) {
                    System.out.println("[faults] could not read " + dump + ": " + e.getMessage());
                }
            }
        }
    }

    /** On the main thread, and on the stream's when a call gets no answer (queue mode). */
    private synchronized void mark(String what) {
        String line = String.format("%6.1f s  %s", (System.nanoTime() - startedAt) / 1e9, what);
        timeline.add(line);
        System.out.println("[faults] " + line);
    }

    private static void sleep(Duration d) {
        EventStream.sleepNanos(d.toNanos());
    }

    /** The flush schedule (EventBridge's part): a flush every {@code flushEvery}, never two at once. */
    private final class Schedule implements AutoCloseable {
        private final int port;
        private final ReentrantLock calling = new ReentrantLock();
        private final Thread thread;
        private volatile boolean paused;
        private volatile boolean running = true;
        int flushes;
        int failed;

        Schedule(int port) {
            this.port = port;
            this.thread = new Thread(this::run, "flush-schedule");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void run() {
            while (running) {
                sleep(plan.flushEvery());
                if (paused || !running) {
                    continue;
                }
                calling.lock();
                try {
                    JsonNode report = flushOnce(port);
                    flushes++;
                    String stop = report == null ? "" : report.path("stop").asText();
                    if (report == null || stop.endsWith("_UNAVAILABLE")) {
                        failed++;
                    }
                } finally {
                    calling.unlock();
                }
            }
        }

        /** Returns once no flush of the schedule is running, and starts none until {@link #resume()}. */
        void pause() {
            paused = true;
            calling.lock();
            calling.unlock();
        }

        void resume() {
            paused = false;
        }

        @Override
        public void close() {
            running = false;
            pause();
        }
    }
}

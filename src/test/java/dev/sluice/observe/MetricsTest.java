package dev.sluice.observe;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import dev.sluice.testing.SluiceTestServers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.junit.QuarkusTest;

/** The meters move as the pipeline works: ingest, flush, MongoDB pool, cache and stats latency. */
@QuarkusTest
class MetricsTest extends PipelineTest {

    @Inject
    MeterRegistry registry;

    private double counter(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private long timerCount(String name, String... tags) {
        Timer t = registry.find(name).tags(tags).timer();
        return t == null ? 0 : t.count();
    }

    private double gauge(String name, String... tags) {
        return registry.get(name).tags(tags).gauges().stream().mapToDouble(Gauge::value).sum();
    }

    private static void track(String body, int status) {
        given().contentType("application/json").body(body).post("/api/ai/usage").then().statusCode(status);
    }

    @Test
    void ingestCountsAcceptedEventsAndRejectedCallsByReason() {
        double accepted = counter("sluice.ingest.events.accepted", "endpoint", "ai_usage");
        double invalid = counter("sluice.ingest.rejected", "endpoint", "ai_usage", "reason", "invalid_request");
        double segment = counter("sluice.ingest.events.accepted", "endpoint", "segment");
        long timed = timerCount("sluice.ingest.latency", "endpoint", "ai_usage");
        long sends = timerCount("sluice.queue.send");
        double requests = counter("sluice.queue.send.requests");

        track("{\"batch\":[{\"userId\":\"m1\",\"model\":\"x\",\"inputTokens\":1,\"outputTokens\":1},"
                + "{\"userId\":\"m2\",\"model\":\"x\",\"inputTokens\":1,\"outputTokens\":1}]}", 202);
        track("{\"userId\":\"m1\",\"model\":\"x\",\"inputTokens\":-1,\"outputTokens\":1}", 400);
        given().contentType("application/json").body("{\"userId\":\"m1\",\"event\":\"e\"}").post("/v1/track")
                .then().statusCode(202);

        assertEquals(accepted + 2, counter("sluice.ingest.events.accepted", "endpoint", "ai_usage"));
        assertEquals(invalid + 1, counter("sluice.ingest.rejected", "endpoint", "ai_usage", "reason",
                "invalid_request"));
        assertEquals(segment + 1, counter("sluice.ingest.events.accepted", "endpoint", "segment"));
        assertEquals(timed + 2, timerCount("sluice.ingest.latency", "endpoint", "ai_usage"));
        assertEquals(sends + 2, timerCount("sluice.queue.send"));
        // one call after the other: one SendMessageBatch each (the batch's two events share one message)
        assertEquals(requests + 2, counter("sluice.queue.send.requests"));
    }

    @Test
    void queueDownCountsSendFailuresAndUnavailableRejections() {
        double failures = counter("sluice.queue.send.failures");
        double unavailable = counter("sluice.ingest.rejected", "endpoint", "ai_usage", "reason", "unavailable");
        SluiceTestServers.sqsProxy().down();
        try {
            track("{\"userId\":\"m1\",\"model\":\"x\",\"inputTokens\":1,\"outputTokens\":1}", 503);
        } finally {
            SluiceTestServers.sqsProxy().up();
        }
        assertEquals(failures + 1, counter("sluice.queue.send.failures"));
        assertEquals(unavailable + 1, counter("sluice.ingest.rejected", "endpoint", "ai_usage", "reason",
                "unavailable"));
    }

    @Test
    void flushMovesFlushCountersQueueGaugesAndPoolGauges() throws InterruptedException {
        double stored = counter("sluice.flush.events.stored");
        double runs = counter("sluice.flush.runs", "stop", "queue_empty");
        long durations = timerCount("sluice.flush.duration");
        track("{\"batch\":[{\"eventId\":\"fm-1\",\"userId\":\"m1\",\"model\":\"x\",\"inputTokens\":1,"
                + "\"outputTokens\":1},{\"eventId\":\"fm-2\",\"userId\":\"m1\",\"model\":\"x\",\"inputTokens\":1,"
                + "\"outputTokens\":1}]}", 202);
        track("{\"eventId\":\"fm-1\",\"userId\":\"m1\",\"model\":\"x\",\"inputTokens\":1,\"outputTokens\":1}", 202);
        double duplicates = counter("sluice.flush.events.duplicates");

        flush();

        assertEquals(stored + 2, counter("sluice.flush.events.stored"));
        assertEquals(duplicates + 1, counter("sluice.flush.events.duplicates"));
        assertEquals(runs + 1, counter("sluice.flush.runs", "stop", "queue_empty"));
        assertEquals(durations + 1, timerCount("sluice.flush.duration"));
        assertEquals(2, gauge("sluice.flush.queue.depth.before"), "two messages waited");
        assertEquals(0, gauge("sluice.flush.queue.depth.after"));
        assertEquals(0, gauge("sluice.dlq.depth"));
        assertTrue(gauge("sluice.flush.lag") >= 0);

        double pool = gauge("mongodb.driver.pool.size");
        assertTrue(pool >= 1, "the flush used the pool: " + pool);
        assertEquals(2, gauge("sluice.mongo.pool.max"));
        // besides the pool, one monitoring connection to the (single, direct) server, two where heartbeats stream
        // (a real mongod; mongo-java-server polls)
        // (the monitor connects beside the pool as the client starts: wait for its first heartbeat)
        double monitoring = 0;
        for (int attempt = 0; attempt < 100 && monitoring == 0; attempt++) {
            Thread.sleep(50);
            monitoring = gauge("sluice.mongo.connections") - gauge("mongodb.driver.pool.size");
        }
        assertTrue(monitoring == 1 || monitoring == 2, "monitoring connections: " + monitoring);
        double usage = gauge("sluice.mongo.pool.usage");
        assertTrue(usage >= 0 && usage <= 1, "usage " + usage);
    }

    @Test
    void aFailedFlushCountsAFailureByCause() {
        track("{\"userId\":\"m1\",\"model\":\"x\",\"inputTokens\":1,\"outputTokens\":1}", 202);
        double failures = counter("sluice.flush.failures", "cause", "store_unavailable");
        SluiceTestServers.mongoProxy().down();
        try {
            flush();
        } finally {
            SluiceTestServers.mongoProxy().up();
        }
        assertEquals(failures + 1, counter("sluice.flush.failures", "cause", "store_unavailable"));
        flush();
        assertEquals(failures + 1, counter("sluice.flush.failures", "cause", "store_unavailable"),
                "a successful flush is no failure");
    }

    @Test
    void cacheHitsMissesAndBypassesAreCountedWithTheirLatency() {
        double hits = counter("sluice.cache.requests", "cache", "user_stats", "result", "hit");
        double misses = counter("sluice.cache.requests", "cache", "user_stats", "result", "miss");
        double bypasses = counter("sluice.cache.requests", "cache", "user_stats", "result", "bypass");
        long missTimes = timerCount("sluice.stats.latency", "cache", "user_stats", "result", "miss");
        long queries = timerCount("sluice.stats.query", "cache", "user_stats");

        given().queryParam("userId", "cm").get("/api/user-stats").then().statusCode(200)
                .header("X-Cache", "MISS");
        given().queryParam("userId", "cm").get("/api/user-stats").then().statusCode(200)
                .header("X-Cache", "HIT");
        SluiceTestServers.redisProxy().down();
        try {
            given().queryParam("userId", "cm").get("/api/user-stats").then().statusCode(200)
                    .header("X-Cache", "BYPASS");
        } finally {
            SluiceTestServers.redisProxy().up();
        }

        assertEquals(hits + 1, counter("sluice.cache.requests", "cache", "user_stats", "result", "hit"));
        assertEquals(misses + 1, counter("sluice.cache.requests", "cache", "user_stats", "result", "miss"));
        assertEquals(bypasses + 1, counter("sluice.cache.requests", "cache", "user_stats", "result", "bypass"));
        assertEquals(missTimes + 1, timerCount("sluice.stats.latency", "cache", "user_stats", "result", "miss"));
        assertEquals(queries + 2, timerCount("sluice.stats.query", "cache", "user_stats"), "the miss and the bypass");
        double all = counter("sluice.cache.requests", "cache", "user_stats", "result", "hit")
                + counter("sluice.cache.requests", "cache", "user_stats", "result", "miss")
                + counter("sluice.cache.requests", "cache", "user_stats", "result", "bypass");
        assertEquals(counter("sluice.cache.requests", "cache", "user_stats", "result", "hit") / all,
                gauge("sluice.cache.hit", "cache", "user_stats"), 1e-9);
    }

    @Test
    void prometheusExportsTheMetersAtQMetrics() {
        track("{\"userId\":\"m1\",\"model\":\"x\",\"inputTokens\":1,\"outputTokens\":1}", 202);
        flush();
        given().queryParam("userId", "m1").get("/api/user-stats").then().statusCode(200);
        operations().get("/q/metrics").then().statusCode(200)
                .body(containsString("sluice_ingest_events_accepted_total{endpoint=\"ai_usage\""))
                .body(containsString("sluice_flush_events_stored_total"))
                .body(containsString("sluice_flush_failures_total{cause=\"store_unavailable\""))
                .body(containsString("sluice_flush_duration_seconds_count"))
                .body(containsString("sluice_cache_requests_total{cache=\"user_stats\""))
                .body(containsString("sluice_stats_latency_seconds{cache=\"user_stats\",result=\"miss\","
                        + "quantile=\"0.99\""))
                .body(containsString("sluice_mongo_connections"))
                .body(containsString("sluice_mongo_pool_usage_ratio"))
                .body(containsString("mongodb_driver_pool_checkedout"))
                .body(containsString("mongodb_driver_pool_waitqueuesize"))
                .body(containsString("mongodb_driver_commands_seconds_count"));
    }

    /** A method name a caller makes up is metered as {@code OTHER}: no series per name, however many are sent. */
    @Test
    void madeUpHttpMethodsShareOneSeries() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String method : List.of("M1", "M2", "BREW")) {
            http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(io.restassured.RestAssured.baseURI
                    + ":" + io.restassured.RestAssured.port + "/api/ai/usage"))
                    .method(method, java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
        }
        String scraped = operations().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String method : List.of("M1", "M2", "BREW")) {
            org.junit.jupiter.api.Assertions.assertFalse(scraped.contains("method=\"" + method + "\""), method);
        }
        org.hamcrest.MatcherAssert.assertThat(scraped, containsString("method=\"OTHER\""));
    }
}

package dev.sluice.stats;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import dev.sluice.testing.SluiceTestServers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** User and platform stats: exact numbers from the rollups, served through the Redis cache. */
@QuarkusTest
class StatsTest extends PipelineTest {

    @Inject
    StatsRepository repository;
    @Inject
    BypassReads bypass;

    private static final Instant NOW = Instant.now();

    static String ai(String id, String user, String model, int in, int out, Integer cached, String cost,
            Instant at) {
        return "{\"eventId\":\"%s\",\"userId\":\"%s\",\"model\":\"%s\",\"inputTokens\":%d,\"outputTokens\":%d%s%s,"
                .formatted(id, user, model, in, out, cached == null ? "" : ",\"cachedTokens\":" + cached,
                        cost == null ? "" : ",\"costUsd\":" + cost)
                + "\"timestamp\":\"" + at + "\"}";
    }

    static void post(String path, String body) {
        given().contentType("application/json").body(body).post(path).then().statusCode(202);
    }

    static Response userStats(String user) {
        return given().queryParam("userId", user).get("/api/user-stats");
    }

    /** Events of user s1 at known times: 1 hour, 3 days, 20 days and 40 days ago, over two models. */
    private void ingestKnownUsage() {
        post("/api/ai/usage", "{\"batch\":[" + String.join(",",
                ai("k1", "s1", "gpt-4.1", 100, 10, 5, "0.1", NOW.minus(1, ChronoUnit.HOURS)),
                ai("k2", "s1", "gpt-4.1", 200, 20, null, "0.2", NOW.minus(3, ChronoUnit.DAYS)),
                ai("k3", "s1", "claude", 300, 30, 7, "0.7", NOW.minus(20, ChronoUnit.DAYS)),
                ai("k4", "s1", "claude", 400, 40, null, null, NOW.minus(40, ChronoUnit.DAYS)),
                ai("k5", "other", "claude", 1, 1, null, "1", NOW.minus(2, ChronoUnit.HOURS))) + "]}");
        post("/v1/batch", """
                {"batch":[
                 {"type":"track","messageId":"a1","userId":"s1","event":"Clicked","timestamp":"%1$s"},
                 {"type":"track","messageId":"a2","userId":"s1","event":"Clicked","timestamp":"%2$s"},
                 {"type":"track","messageId":"a3","userId":"s1","event":"Signed.Up","timestamp":"%2$s"},
                 {"type":"page","messageId":"a4","userId":"s1","name":"Home","timestamp":"%3$s"},
                 {"type":"identify","messageId":"a5","anonymousId":"anon-1","traits":{"x":1}}]}"""
                .formatted(NOW.minus(30, ChronoUnit.MINUTES), NOW.minus(6, ChronoUnit.DAYS),
                        NOW.minus(45, ChronoUnit.DAYS)));
        flush();
    }

    @Test
    void userStatsEqualWhatWasIngestedAndTheSecondReadIsAHit() {
        ingestKnownUsage();

        Response first = userStats("s1");
        first.then().statusCode(200).header("X-Cache", "MISS");
        assertEquals("private, max-age=30", cacheControl(first));
        JsonPath s = first.jsonPath();
        assertEquals("s1", s.getString("userId"));
        assertUsage(s, "totals", 4, 1000, 100, 12, 1.0, 4);
        assertEquals(List.of("claude", "gpt-4.1"), s.getList("models.model"));
        assertEquals(2, s.getLong("models[0].requests"));
        assertEquals(700, s.getLong("models[0].inputTokens"));
        assertEquals(0.7, s.getDouble("models[0].costUsd"), 0);
        assertEquals(0.3, s.getDouble("models[1].costUsd"), 0, "0.1 + 0.2, summed exactly");
        assertEquals(5, s.getLong("models[1].cachedTokens"));
        assertUsage(s, "windows.last24h", 1, 100, 10, 5, 0.1, 1);
        assertUsage(s, "windows.last7d", 2, 300, 30, 5, 0.3, 3);
        assertUsage(s, "windows.last30d", 3, 600, 60, 12, 1.0, 3);
        List<Map<String, Object>> daily = s.getList("daily");
        assertEquals(30, daily.size());
        LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
        assertEquals(today.toString(), daily.get(29).get("date"));
        assertEquals(today.minusDays(29).toString(), daily.get(0).get("date"));
        assertEquals(Map.of(day(NOW.minus(1, ChronoUnit.HOURS)), 1L, day(NOW.minus(3, ChronoUnit.DAYS)), 1L,
                day(NOW.minus(20, ChronoUnit.DAYS)), 1L), requestsPerDay(daily));
        assertEquals(List.of("Clicked", "Signed.Up", "page"), s.getList("topEvents.event"));
        assertEquals(List.of(2, 1, 1), s.getList("topEvents.count"));
        assertEquals(NOW.minus(45, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS),
                Instant.parse(s.getString("firstSeen")));
        assertEquals(NOW.minus(30, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS),
                Instant.parse(s.getString("lastSeen")));

        Response second = userStats("s1");
        second.then().statusCode(200).header("X-Cache", "HIT");
        assertEquals(first.asString(), second.asString());

        // the anonymous identify call belongs to its anonymousId
        assertEquals(1, userStats("anon-1").jsonPath().getLong("totals.analyticsEvents"));
    }

    @Test
    void aUserWithoutEventsHasZerosAndAMissingUserIdIs400() {
        JsonPath s = userStats("nobody").then().statusCode(200).extract().jsonPath();
        assertUsage(s, "totals", 0, 0, 0, 0, 0, 0);
        assertEquals(30, s.getList("daily").size());
        assertNull(s.get("firstSeen"));
        given().get("/api/user-stats").then().statusCode(400).body("problems[0].field", equalTo("userId"));
    }

    @Test
    void aFlushRewritesTheCachedEntriesOfItsUsersWithTheNewNumbers() {
        post("/api/ai/usage", ai("f1", "s2", "m", 1, 1, null, "0.5", NOW));
        post("/api/ai/usage", ai("f2", "s3", "m", 1, 1, null, null, NOW));
        flush();
        userStats("s2").then().header("X-Cache", "MISS");
        userStats("s3").then().header("X-Cache", "MISS");
        userStats("s2").then().header("X-Cache", "HIT").body("totals.requests", equalTo(1));

        post("/api/ai/usage", ai("f3", "s2", "m", 10, 10, null, "0.25", NOW));
        post("/api/ai/usage", ai("f4", "s8", "m", 1, 1, null, null, NOW));
        userStats("s2").then().header("X-Cache", "HIT").body("totals.requests", equalTo(1));
        long before = repository.queries();
        flush();
        assertEquals(1, repository.queries() - before, "the flush rewrote the one cached entry it changed (s2)");
        userStats("s2").then().header("X-Cache", "HIT").body("totals.requests", equalTo(2))
                .body("totals.costUsd", equalTo(0.75f));
        userStats("s3").then().header("X-Cache", "HIT");
        userStats("s8").then().header("X-Cache", "MISS").body("totals.requests", equalTo(1));
    }

    /**
     * No user id makes the key of another user's entry or lock: before, the entry of a user named {@code u1:lock} was
     * {@code u1}'s recompute lock, so each of {@code u1}'s misses waited out the lock for five minutes.
     */
    @Test
    void aUserIdNeverNamesAnotherUsersEntryOrLock() {
        List<String> users = List.of("u1", "u1:lock", "2:u1", "1:u", "", ":", "lock", "u1:lock:lock", "7:u1:lock");
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (String user : users) {
            String entry = StatsService.key("p:user-stats:", user);
            assertTrue(keys.add(entry), entry);
            assertTrue(keys.add(entry + ":lock"), entry + ":lock");
            assertTrue(keys.add(StatsService.key("p:user-stats-version:", user)), user);
        }
        userStats("u1:lock").then().statusCode(200).header("X-Cache", "MISS");
        String prefix = config.stats().keyPrefix();
        assertTrue(redis.get().key().exists(prefix + "user-stats:7:u1:lock"), "the entry of user u1:lock");
        assertFalse(redis.get().key().exists(prefix + "user-stats:2:u1:lock"), "u1's lock is free");
        userStats("u1").then().statusCode(200).header("X-Cache", "MISS");
        userStats("u1").then().statusCode(200).header("X-Cache", "HIT");
    }

    @Test
    void theDeprecatedPathAnswersTheSameBodyWithSuccessorHeaders() {
        post("/api/ai/usage", ai("d1", "s4", "m", 1, 2, null, null, NOW));
        flush();
        String body = userStats("s4").then().header("X-Cache", "MISS").extract().asString();
        given().queryParam("userId", "s4").get("/api/user/stats").then().statusCode(200)
                .header("X-Cache", "HIT")
                .header("Deprecation", "true")
                .header("Link", "</api/user-stats>; rel=\"successor-version\"")
                .body(equalTo(body));
    }

    @Test
    void concurrentMissesForOneUserMakeOneQuery() throws Exception {
        post("/api/ai/usage", ai("c1", "s5", "m", 1, 2, null, null, NOW));
        flush();
        long before = repository.queries();
        int callers = 16;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                answers.add(pool.submit((Callable<Response>) () -> {
                    start.await();
                    return userStats("s5");
                }));
            }
            start.countDown();
            List<String> bodies = new ArrayList<>();
            for (Future<Response> answer : answers) {
                Response r = answer.get();
                assertEquals(200, r.statusCode());
                bodies.add(r.asString());
            }
            assertEquals(1, repository.queries() - before, "one MongoDB read for " + callers + " concurrent misses");
            assertEquals(1, bodies.stream().distinct().count(), "every caller got the one computed body");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void redisDownServesStatsFromMongoDbAsBypassAndIngestKeepsWorking() {
        post("/api/ai/usage", ai("r1", "s6", "m", 3, 4, null, "0.125", NOW));
        flush();
        userStats("s6").then().header("X-Cache", "MISS");
        SluiceTestServers.redisProxy().down();
        try {
            userStats("s6").then().statusCode(200).header("X-Cache", "BYPASS")
                    .body("totals.requests", equalTo(1)).body("totals.costUsd", equalTo(0.125f));
            post("/api/ai/usage", ai("r2", "s6", "m", 1, 1, null, null, NOW));
            flush(); // the invalidation fails, the fold does not
            userStats("s6").then().header("X-Cache", "BYPASS").body("totals.requests", equalTo(2));
            given().get("/api/platform-stats").then().statusCode(200).header("X-Cache", "BYPASS");
        } finally {
            SluiceTestServers.redisProxy().up();
        }
        // the entry cached before the outage is stale: the route rewrites it
        given().queryParam("userId", "s6").post("/internal/cache/invalidate").then().statusCode(200)
                .body("rewritten", equalTo(1));
        userStats("s6").then().header("X-Cache", "HIT").body("totals.requests", equalTo(2));
    }

    @Test
    void withRedisDownAtMostTwoReadsPerInstanceGoToMongoDbTheRestGet503() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        SluiceTestServers.redisProxy().down();
        try {
            for (int i = 0; i < 2; i++) {
                pool.submit(() -> bypass.read(() -> {
                    holding.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                }));
            }
            assertTrue(holding.await(10, java.util.concurrent.TimeUnit.SECONDS));
            userStats("s9").then().statusCode(503).header("Retry-After", "1");
            release.countDown();
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS));
            userStats("s9").then().statusCode(200).header("X-Cache", "BYPASS");
        } finally {
            release.countDown();
            pool.shutdownNow();
            SluiceTestServers.redisProxy().up();
        }
    }

    @Test
    void theInvalidateRouteRewritesAUsersEntry() {
        post("/api/ai/usage", ai("i1", "s7", "m", 1, 1, null, null, NOW));
        flush();
        userStats("s7").then().header("X-Cache", "MISS");
        String cached = userStats("s7").then().header("X-Cache", "HIT").extract().asString();
        given().queryParam("userId", "s7").queryParam("userId", "never-read").post("/internal/cache/invalidate")
                .then().statusCode(200).body("invalidated", equalTo(2)).body("rewritten", equalTo(1));
        String rewritten = userStats("s7").then().header("X-Cache", "HIT").extract().asString();
        assertTrue(!cached.equals(rewritten), "recomputed (a new generatedAt)");
        given().post("/internal/cache/invalidate").then().statusCode(400);
    }

    @Test
    void platformStatsAddUpEveryUserAndAreCached() {
        ingestKnownUsage();
        Response first = given().get("/api/platform-stats");
        first.then().statusCode(200).header("X-Cache", "MISS");
        assertEquals("public, max-age=300", cacheControl(first));
        JsonPath p = first.jsonPath();
        assertUsage(p, "totals", 5, 1001, 101, 12, 2.0, 5);
        assertEquals(3, p.getLong("users"), "s1, other, anon-1");
        assertEquals(3, p.getLong("activeUsers.last24h"));
        assertEquals(3, p.getLong("activeUsers.last7d"));
        assertEquals(List.of("claude", "gpt-4.1"), p.getList("topModels.model"));
        assertEquals(3, p.getLong("topModels[0].requests"));
        List<Map<String, Object>> daily = p.getList("daily");
        assertEquals(30, daily.size());
        Map<String, Object> today = daily.get(29);
        assertNotNull(today.get("activeUsers"));
        assertTrue(((Number) today.get("activeUsers")).longValue() >= 1);
        given().get("/api/platform-stats").then().header("X-Cache", "HIT").body(equalTo(first.asString()));
    }

    /** The header as sent (REST Assured lists a comma-separated value as several). */
    private static String cacheControl(Response response) {
        return String.join(", ", response.headers().getValues("Cache-Control"));
    }

    private static String day(Instant at) {
        return LocalDate.ofInstant(at, ZoneOffset.UTC).toString();
    }

    private static Map<String, Long> requestsPerDay(List<Map<String, Object>> daily) {
        Map<String, Long> perDay = new java.util.TreeMap<>();
        for (Map<String, Object> d : daily) {
            long requests = ((Number) d.get("requests")).longValue();
            if (requests > 0) {
                perDay.merge((String) d.get("date"), requests, Long::sum);
            }
        }
        return perDay;
    }

    static void assertUsage(JsonPath s, String at, long requests, long in, long out, long cached, double cost,
            long analytics) {
        assertEquals(requests, s.getLong(at + ".requests"), at + ".requests");
        assertEquals(in, s.getLong(at + ".inputTokens"), at + ".inputTokens");
        assertEquals(out, s.getLong(at + ".outputTokens"), at + ".outputTokens");
        assertEquals(cached, s.getLong(at + ".cachedTokens"), at + ".cachedTokens");
        assertEquals(cost, s.getDouble(at + ".costUsd"), 0, at + ".costUsd");
        assertEquals(analytics, s.getLong(at + ".analyticsEvents"), at + ".analyticsEvents");
    }
}

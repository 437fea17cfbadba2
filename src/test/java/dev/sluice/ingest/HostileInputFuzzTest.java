package dev.sluice.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BiFunction;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.testing.PipelineTest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Thousands of generated and mutated requests to every public endpoint: wrong types, operator objects, keys with
 * {@code $} and {@code .}, huge numbers, deep nesting, invalid UTF-8, NUL bytes, oversized strings, duplicate keys,
 * wrong content types, truncated bodies. No answer is a 5xx, every rejection names its problem, and what reaches
 * MongoDB is valid, with every key plain data. Deterministic ({@code -Dfuzz.seed}, {@code -Dfuzz.rounds}).
 */
@QuarkusTest
class HostileInputFuzzTest extends PipelineTest {

    static final long SEED = Long.getLong("fuzz.seed", 20261127L);
    static final int ROUNDS = Integer.getInteger("fuzz.rounds", 3000);

    /** A valid body per ingest endpoint: the seeds the mutations start from. */
    static final Map<String, String> SEEDS = new TreeMap<>(Map.of(
            "/api/ai/usage", "{\"eventId\":\"f-1\",\"userId\":\"u1\",\"model\":\"gpt\",\"provider\":\"openai\","
                    + "\"inputTokens\":10,\"outputTokens\":20,\"cachedTokens\":1,\"costUsd\":0.01,\"latencyMs\":5,"
                    + "\"feature\":\"chat\",\"metadata\":{\"k\":\"v\",\"n\":{\"x\":1}}}",
            "/v1/track", "{\"type\":\"track\",\"messageId\":\"m-1\",\"userId\":\"u1\",\"event\":\"Clicked\","
                    + "\"properties\":{\"button\":\"buy\",\"nested\":{\"a\":[1,2]}},\"context\":{\"ip\":\"1.2.3.4\"}}",
            "/v1/identify", "{\"messageId\":\"m-2\",\"userId\":\"u1\",\"traits\":{\"plan\":\"pro\"}}",
            "/v1/page", "{\"messageId\":\"m-3\",\"anonymousId\":\"a1\",\"name\":\"Home\",\"properties\":{\"p\":1}}",
            "/v1/group", "{\"messageId\":\"m-4\",\"userId\":\"u1\",\"groupId\":\"g1\",\"traits\":{}}",
            "/v1/alias", "{\"messageId\":\"m-5\",\"userId\":\"u1\",\"previousId\":\"a1\"}",
            "/v1/batch", "{\"writeKey\":\"k\",\"batch\":[{\"type\":\"track\",\"messageId\":\"m-6\",\"userId\":\"u1\","
                    + "\"event\":\"E\"},{\"type\":\"screen\",\"messageId\":\"m-7\",\"userId\":\"u2\",\"name\":\"S\"}]}",
            "/api/analytics/track", "{\"messageId\":\"m-8\",\"userId\":\"u1\",\"event\":\"Old route\"}"));

    /** Values no field should take as anything but data (or a rejection). */
    static final List<String> HOSTILE = List.of("{\"$gt\":\"\"}", "{\"$where\":\"sleep(1000)\"}", "{\"$ne\":null}",
            "\"$set\"", "[\"a\",{\"$in\":[1]}]", "{}", "[]", "null", "true", "-1", "1e309", "-1e309",
            "123456789012345678901234567890", "-0.0", "0.1e-400", "\"\"", "\" \"", "\"\\u0000\"", "\"a\\u0000b\"",
            "\"\\ud800\"", "\"\\\\\"", "{\"a.b\":1}", "{\"$x\":{\"$y\":1}}", "{\"\":1}", "{\"\\u0000\":1}",
            "\"2026-13-45T99:99:99Z\"", "\"1970-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59Z\"", "9007199254740993",
            // times beyond MongoDB's dates (a flush that met one failed for 5 minutes, then dead-lettered others'
            // events) and a user id longer than stats can read
            "\"-300000000-01-01T00:00:00Z\"", "\"+300000000-01-01T00:00:00Z\"", "\"0001-01-01T00:00:00Z\"",
            "1764979200", "\"" + "u".repeat(257) + "\"");

    private final ObjectMapper mapper = new ObjectMapper();
    @TestHTTPResource("/")
    URL base;

    record Answer(int status, String body) {
    }

    @Test
    void hostileRequestsBounceOffAndOnlyValidDataIsStored() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        List<String> paths = new ArrayList<>(SEEDS.keySet());
        Map<Integer, Integer> statuses = new TreeMap<>();
        java.util.Set<String> accepted = new java.util.HashSet<>();
        List<BiFunction<SplittableRandom, String, byte[]>> mutations = mutations();
        for (int round = 0; round < ROUNDS; round++) {
            String path = paths.get(random.nextInt(paths.size()));
            // ids of this round, so every accepted event can be found in MongoDB afterwards
            String body = SEEDS.get(path).replaceAll("\"(f|m)-(\\d+)\"", "\"$1-$2-r" + round + "\"");
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            int times = 1 + random.nextInt(3);
            for (int m = 0; m < times; m++) {
                bytes = mutations.get(random.nextInt(mutations.size())).apply(random,
                        new String(bytes, StandardCharsets.UTF_8));
            }
            String contentType = switch (random.nextInt(20)) {
                case 0 -> "text/plain";
                case 1 -> "application/x-www-form-urlencoded";
                case 2 -> null;
                case 3 -> "application/json; charset=ISO-8859-1";
                case 4 -> "application/xml";
                default -> "application/json";
            };
            Answer answer = post(path, contentType, bytes);
            statuses.merge(answer.status(), 1, Integer::sum);
            String what = path + " " + contentType + " " + abbreviate(bytes) + " -> " + answer.status() + " "
                    + answer.body();
            assertTrue(answer.status() < 500, "no 5xx: " + what);
            if (answer.status() >= 400) {
                JsonNode error = mapper.readTree(answer.body());
                assertTrue(error.path("error").isTextual(), "a rejection says what: " + what);
                if (answer.status() == 400 || answer.status() == 413) {
                    assertTrue(error.path("problems").size() > 0, "a rejection names the problem: " + what);
                    for (JsonNode problem : error.path("problems")) {
                        assertFalse(problem.path("field").asText().isBlank(), what);
                        assertFalse(problem.path("rule").asText().isBlank(), what);
                    }
                }
            } else {
                assertEquals(202, answer.status(), what);
                mapper.readTree(answer.body()).path("ids").forEach(id -> accepted.add(id.asText()));
            }
        }
        for (String userId : List.of("$gt", "{\"$ne\":null}", "a.b", "x".repeat(129), "\u0000", "%00", "é", " ")) {
            for (String path : List.of("/api/user-stats", "/api/user/stats")) {
                int status = get(path + "?userId=" + java.net.URLEncoder.encode(userId, StandardCharsets.UTF_8));
                assertTrue(status == 200 || status == 400, path + " " + userId + " -> " + status);
            }
        }
        assertEquals(200, get("/api/platform-stats?userId=%24gt"));

        flush();
        long stored = 0;
        for (Document doc : all(aiUsage())) {
            assertValidAiUsage(doc);
            stored++;
        }
        for (Document doc : all(analytics())) {
            assertTrue(doc.get("userId") instanceof String || doc.get("anonymousId") instanceof String, doc.toJson());
            assertSafeKeys(doc, doc.toJson());
            assertStorable(doc, doc.toJson());
            stored++;
        }
        System.out.println("fuzz: " + ROUNDS + " requests, statuses " + statuses + ", accepted events "
                + accepted.size() + ", stored " + stored);
        assertEquals(accepted.size(), stored, "every accepted event stored, nothing else");
        assertTrue(statuses.getOrDefault(202, 0) > 0 && statuses.getOrDefault(400, 0) > ROUNDS / 4,
                "the mutations reach both sides of the validation: " + statuses);
    }

    private static void assertValidAiUsage(Document doc) {
        String json = doc.toJson();
        assertTrue(doc.get("userId") instanceof String u && !u.isBlank() && u.length() <= 256, json);
        assertTrue(doc.get("model") instanceof String m && !m.isBlank(), json);
        for (String field : List.of("inputTokens", "outputTokens")) {
            assertTrue(doc.get(field) instanceof Number n && n.longValue() >= 0, field + ": " + json);
        }
        assertSafeKeys(doc, json);
        assertStorable(doc, json);
    }

    /** Within MongoDB's limits and Sluice's time rule: nesting at most 100 levels, times within years of now. */
    private static void assertStorable(Document doc, String json) {
        assertTrue(depth(doc) <= 100, "nesting of " + json);
        java.time.Instant now = java.time.Instant.now();
        for (String field : List.of("timestamp", "sentAt")) {
            if (doc.get(field) instanceof java.util.Date at) {
                assertTrue(at.toInstant().isAfter(now.minus(java.time.Duration.ofDays(3651)))
                        && at.toInstant().isBefore(now.plus(java.time.Duration.ofMinutes(6))), field + " of " + json);
            }
        }
    }

    private static int depth(Object value) {
        if (value instanceof Document doc) {
            return 1 + doc.values().stream().mapToInt(HostileInputFuzzTest::depth).max().orElse(0);
        }
        if (value instanceof List<?> list) {
            return 1 + list.stream().mapToInt(HostileInputFuzzTest::depth).max().orElse(0);
        }
        return 0;
    }

    /** Every key in a stored document, at any depth, is data: no operator, no path. */
    private static void assertSafeKeys(Object value, String json) {
        if (value instanceof Document doc) {
            for (Map.Entry<String, Object> e : doc.entrySet()) {
                assertFalse(e.getKey().startsWith("$"), "key " + e.getKey() + " in " + json);
                assertFalse(e.getKey().contains("."), "key " + e.getKey() + " in " + json);
                assertFalse(e.getKey().contains("\u0000"), "NUL in a key of " + json);
                assertSafeKeys(e.getValue(), json);
            }
        } else if (value instanceof List<?> list) {
            list.forEach(v -> assertSafeKeys(v, json));
        }
    }

    private List<BiFunction<SplittableRandom, String, byte[]>> mutations() {
        List<BiFunction<SplittableRandom, String, byte[]>> all = new ArrayList<>();
        // a field (existing or new, at the top or inside metadata/properties/traits/batch items) gets a hostile value
        all.add((r, body) -> utf8(setField(r, body, HOSTILE.get(r.nextInt(HOSTILE.size())))));
        all.add((r, body) -> utf8(setField(r, body, "\"" + "x".repeat(1 + r.nextInt(300_000)) + "\"")));
        all.add((r, body) -> utf8(setField(r, body, "[".repeat(2000) + "]".repeat(2000))));
        all.add((r, body) -> utf8(setField(r, body, "{\"a\":".repeat(500) + "1" + "}".repeat(500))));
        // nesting around the limits: 64 levels accepted per body, MongoDB's 100 per document
        all.add((r, body) -> {
            int levels = 55 + r.nextInt(60);
            return utf8(setField(r, body, "{\"a\":".repeat(levels) + "1" + "}".repeat(levels)));
        });
        // the text itself broken
        all.add((r, body) -> utf8(body.substring(0, r.nextInt(body.length() + 1))));
        all.add((r, body) -> {
            byte[] b = utf8(body);
            if (b.length > 0) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            return b;
        });
        all.add((r, body) -> {
            byte[] b = utf8(body);
            int at = r.nextInt(b.length + 1);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(b, 0, at);
            byte[][] invalid = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {0},
                    {(byte) 0xC0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}};
            out.writeBytes(invalid[r.nextInt(invalid.length)]);
            out.write(b, at, b.length - at);
            return out.toByteArray();
        });
        all.add((r, body) -> utf8(body.startsWith("{") ? "{\"userId\":\"dup\"," + body.substring(1) : body));
        all.add((r, body) -> utf8("\uFEFF" + body));
        all.add((r, body) -> utf8(body + List.of("}", "{}", " x", ",").get(r.nextInt(4))));
        all.add((r, body) -> utf8(List.of("", "[]", "null", "\"s\"", "123", "{", "{}", "[{}]").get(r.nextInt(8))));
        all.add((r, body) -> utf8(body.replace("\"", "'")));
        return all;
    }

    /** Sets a random field of the body's JSON (or of a nested object) to a raw JSON value; text that is not JSON. */
    private String setField(SplittableRandom r, String body, String rawValue) {
        JsonNode tree;
        try {
            tree = mapper.readTree(body);
        } catch (Exception e) {
            return body;
        }
        if (!(tree instanceof ObjectNode root)) {
            return body;
        }
        List<ObjectNode> targets = new ArrayList<>();
        collect(root, targets);
        ObjectNode target = targets.get(r.nextInt(targets.size()));
        List<String> names = new ArrayList<>();
        target.fieldNames().forEachRemaining(names::add);
        String name = names.isEmpty() || r.nextInt(4) == 0
                ? List.of("$gt", "a.b", "$where", "", "extra", "\u0000").get(r.nextInt(6))
                : names.get(r.nextInt(names.size()));
        target.put(name, "__HOSTILE__");
        return root.toString().replace("\"__HOSTILE__\"", rawValue);
    }

    private static void collect(JsonNode node, List<ObjectNode> into) {
        if (node instanceof ObjectNode object) {
            into.add(object);
        }
        node.forEach(child -> collect(child, into));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String abbreviate(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8);
        return s.length() > 300 ? s.substring(0, 300) + "...(" + body.length + " bytes)" : s;
    }

    private String url(String path) {
        return base.toString().replace("//localhost:", "//127.0.0.1:").replaceAll("/$", "") + path;
    }

    private Answer post(String path, String contentType, byte[] body) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(url(path)).toURL().openConnection();
        c.setRequestProperty("Authorization", "Bearer " + dev.sluice.testing.SluiceTestServers.KEY);
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        if (contentType != null) {
            c.setRequestProperty("Content-Type", contentType);
        }
        try (OutputStream out = c.getOutputStream()) {
            out.write(body);
        }
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            return new Answer(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private int get(String pathAndQuery) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(url(pathAndQuery)).toURL().openConnection();
        c.setRequestProperty("Authorization", "Bearer " + dev.sluice.testing.SluiceTestServers.KEY);
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            if (in != null) {
                in.readAllBytes();
            }
        }
        return status;
    }
}

package dev.sluice.ingest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

/** Every rejection rule: its status, a body naming the item, field and rule, and nothing queued or stored. */
@QuarkusTest
class RejectionTest extends PipelineTest {

    static final String AI = "/api/ai/usage";
    static final String OK_AI = "{\"userId\":\"u1\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":2}";

    static String ai(String extraFields) {
        return OK_AI.substring(0, OK_AI.length() - 1) + "," + extraFields + "}";
    }

    static String repeat(String s, int n) {
        return s.repeat(n);
    }

    static Stream<Arguments> rejections() {
        String future = Instant.now().plus(10, ChronoUnit.MINUTES).toString();
        return Stream.of(
                // name, path, body, status, index (-1: none), field, rule fragment
                Arguments.of("missing userId", AI, "{\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":2}", 400, -1,
                        "userId", "must not be blank"),
                Arguments.of("operator object as userId", AI,
                        "{\"userId\":{\"$ne\":null},\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":2}", 400, -1,
                        "userId", "must be a string"),
                Arguments.of("lone surrogate in a string", AI, ai("\"feature\":\"a\\ud800\""), 400, -1,
                        "feature", "must be valid Unicode text"),
                Arguments.of("noncharacter in a metadata key", AI, ai("\"metadata\":{\"k\\uffff\":1}"), 400,
                        -1, "metadata", "must be valid Unicode text"),
                Arguments.of("number as userId", AI,
                        "{\"userId\":42,\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":2}", 400, -1,
                        "userId", "must be a string"),
                Arguments.of("missing model", AI, "{\"userId\":\"u\",\"inputTokens\":1,\"outputTokens\":2}", 400, -1,
                        "model", "must not be blank"),
                Arguments.of("missing outputTokens", AI, "{\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":1}", 400,
                        -1, "outputTokens", "must not be null"),
                Arguments.of("negative tokens", AI,
                        "{\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":-1,\"outputTokens\":2}", 400, -1,
                        "inputTokens", "greater than or equal to 0"),
                Arguments.of("tokens as string", AI,
                        "{\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":\"5\",\"outputTokens\":2}", 400, -1,
                        "inputTokens", "must be an integer"),
                Arguments.of("fractional tokens", AI,
                        "{\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":1.5,\"outputTokens\":2}", 400, -1,
                        "inputTokens", "must be an integer"),
                Arguments.of("tokens out of range", AI,
                        "{\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":99999999999999999999,\"outputTokens\":2}",
                        400, -1, "inputTokens", "invalid value"),
                Arguments.of("negative cost", AI, ai("\"costUsd\":-0.5"), 400, -1, "costUsd",
                        "greater than or equal to 0"),
                Arguments.of("unknown field", AI, ai("\"tokens\":3"), 400, -1, "tokens", "unknown field"),
                Arguments.of("bad eventId", AI, ai("\"eventId\":\"a b\""), 400, -1, "eventId",
                        "1-64 characters"),
                Arguments.of("eventId too long", AI, ai("\"eventId\":\"" + repeat("x", 65) + "\""), 400, -1,
                        "eventId", "1-64 characters"),
                Arguments.of("timestamp in the future", AI, ai("\"timestamp\":\"" + future + "\""), 400, -1,
                        "timestamp", "in the future"),
                Arguments.of("timestamp not ISO", AI, ai("\"timestamp\":\"yesterday\""), 400, -1, "timestamp",
                        "ISO-8601"),
                Arguments.of("metadata not an object", AI, ai("\"metadata\":[1,2]"), 400, -1, "metadata",
                        "must be a JSON object"),
                Arguments.of("metadata over 8 KiB", AI, ai("\"metadata\":{\"k\":\"" + repeat("x", 8200) + "\"}"),
                        400, -1, "metadata", "at most 8192 bytes"),
                Arguments.of("truncated JSON names where it broke", AI, "{\"userId\": ", 400, -1, "userId", "valid JSON"),
                Arguments.of("unparseable JSON", AI, "userId=u1", 400, -1, "body", "valid JSON"),
                Arguments.of("trailing garbage", AI, OK_AI + " {}", 400, -1, "body", "valid JSON"),
                Arguments.of("duplicate keys", AI,
                        "{\"userId\":\"a\",\"userId\":\"b\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":2}",
                        400, -1, "userId", "Duplicate field"),
                Arguments.of("not an object", AI, "[1,2,3]", 400, -1, "body", "must be a JSON object"),
                Arguments.of("empty body", AI, "", 400, -1, "body", "must be a JSON object"),
                Arguments.of("one bad item in a batch", AI,
                        "{\"batch\":[" + OK_AI + "," + OK_AI.replace("\"u1\"", "\"\"") + "," + OK_AI + "]}", 400, 1,
                        "userId", "must not be blank"),
                Arguments.of("empty batch", AI, "{\"batch\":[]}", 400, -1, "batch", "at least one"),
                Arguments.of("batch not an array", AI, "{\"batch\":{}}", 400, -1, "batch", "must be an array"),
                Arguments.of("batch over 2,500 events", AI,
                        "{\"batch\":[" + String.join(",", java.util.Collections.nCopies(2501, OK_AI)) + "]}", 413, -1,
                        "batch", "at most 2500"),
                Arguments.of("body over 1 MiB", AI, ai("\"feature\":\"" + repeat("x", 1_048_600) + "\""), 413, -1,
                        "body", "at most 1048576 bytes"),

                Arguments.of("track without event", "/v1/track", "{\"userId\":\"u\"}", 400, -1, "event",
                        "required for track"),
                Arguments.of("no user", "/v1/track", "{\"event\":\"Signed Up\"}", 400, -1, "userId",
                        "userId or anonymousId"),
                Arguments.of("operator object as event", "/v1/track", "{\"userId\":\"u\",\"event\":{\"$gt\":\"\"}}",
                        400, -1, "event", "must be a string"),
                Arguments.of("messageId over 128", "/v1/track",
                        "{\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"" + repeat("m", 129) + "\"}", 400, -1,
                        "messageId", "1-128"),
                Arguments.of("properties not an object", "/v1/track",
                        "{\"userId\":\"u\",\"event\":\"e\",\"properties\":[1]}", 400, -1, "properties",
                        "must be a JSON object"),
                Arguments.of("bad timestamp", "/v1/page", "{\"userId\":\"u\",\"timestamp\":\"soon\"}", 400, -1,
                        "timestamp", "ISO-8601"),
                Arguments.of("group without groupId", "/v1/group", "{\"userId\":\"u\"}", 400, -1, "groupId",
                        "required for group"),
                Arguments.of("alias without previousId", "/v1/alias", "{\"userId\":\"u\"}", 400, -1, "previousId",
                        "required for alias"),
                Arguments.of("event over 32 KB", "/v1/track",
                        "{\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"p\":\"" + repeat("x", 33_000) + "\"}}",
                        413, -1, "body", "at most 32768 bytes"),
                Arguments.of("batch without batch", "/v1/batch", "{\"writeKey\":\"k\"}", 400, -1, "batch",
                        "is required"),
                Arguments.of("batch item of unknown type", "/v1/batch",
                        "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"},"
                                + "{\"type\":\"purchase\",\"userId\":\"u\"}]}", 400, 1, "type", "must be one of"),
                Arguments.of("batch item over 32 KB", "/v1/batch",
                        "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"p\":\""
                                + repeat("x", 33_000) + "\"}}]}", 413, 0, "item", "at most 32768 bytes"),
                Arguments.of("batch over 500 KB", "/v1/batch",
                        "{\"batch\":[" + String.join(",", java.util.Collections.nCopies(20,
                                "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"p\":\""
                                        + repeat("x", 30_000) + "\"}}")) + "]}", 413, -1, "body",
                        "at most 512000 bytes"),
                Arguments.of("alias route keeps the track rules", "/api/analytics/track", "{\"userId\":\"u\"}", 400,
                        -1, "event", "required for track"),

                // what is accepted can be stored: MongoDB's limits and Sluice's time rule, on every route
                Arguments.of("a time MongoDB cannot hold", AI, ai("\"timestamp\":\"-300000000-01-01T00:00:00Z\""),
                        400, -1, "timestamp", "days in the past"),
                Arguments.of("a clock never set", AI, ai("\"timestamp\":\"1970-01-01T00:00:00Z\""), 400, -1,
                        "timestamp", "days in the past"),
                Arguments.of("a numeric timestamp", AI, ai("\"timestamp\":1764979200"), 400, -1, "timestamp",
                        "ISO-8601"),
                Arguments.of("a Segment timestamp in year 9999", "/v1/track",
                        "{\"userId\":\"u\",\"event\":\"e\",\"timestamp\":\"9999-12-31T23:59:59Z\"}", 400, -1,
                        "timestamp", "in the future"),
                Arguments.of("a Segment timestamp MongoDB cannot hold", "/v1/page",
                        "{\"userId\":\"u\",\"timestamp\":\"+300000000-01-01T00:00:00Z\"}", 400, -1, "timestamp",
                        "in the future"),
                Arguments.of("a batch's sentAt in the far past", "/v1/batch",
                        "{\"sentAt\":\"0001-01-01T00:00:00Z\",\"batch\":[{\"type\":\"track\",\"userId\":\"u\","
                                + "\"event\":\"e\"}]}", 400, -1, "sentAt", "days in the past"),
                Arguments.of("nesting deeper than MongoDB stores", AI,
                        ai("\"metadata\":" + "{\"n\":".repeat(70) + "1" + "}".repeat(70)), 400, -1, "body",
                        "at most 64 levels deep"),
                Arguments.of("a Segment event nesting deeper", "/v1/track",
                        "{\"userId\":\"u\",\"event\":\"e\",\"properties\":" + "[".repeat(900) + "]".repeat(900)
                                + "}", 400, -1, "body", "at most 64 levels deep"),
                Arguments.of("a userId longer than stats can read", AI,
                        "{\"userId\":\"" + repeat("u", 257) + "\",\"model\":\"m\",\"inputTokens\":1,"
                                + "\"outputTokens\":2}", 400, -1, "userId", "1-256"),
                Arguments.of("a Segment userId longer than stats can read", "/v1/track",
                        "{\"userId\":\"" + repeat("u", 257) + "\",\"event\":\"e\"}", 400, -1, "userId", "1-256"),
                Arguments.of("a Segment anonymousId longer than stats can read", "/v1/page",
                        "{\"anonymousId\":\"" + repeat("a", 257) + "\"}", 400, -1, "anonymousId", "1-256"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejections")
    void rejectedWholeAndNothingStored(String name, String path, String body, int status, int index, String field,
            String rule) {
        ValidatableResponse response = given().contentType("application/json").body(body).post(path).then()
                .statusCode(status)
                .body("problems.field", hasItem(field))
                .body("problems.rule", hasItem(containsString(rule)));
        if (index >= 0) {
            response.body("problems.find { it.field == '" + field + "' }.index", equalTo(index));
        } else {
            response.body("problems[0].index", nullValue());
        }
        assertEquals(0, depth(config.queue().url()), "nothing may be queued");
        assertEquals(0, flush().events());
        assertEquals(0, aiUsage().countDocuments() + analytics().countDocuments(), "nothing may be stored");
    }

    /**
     * {@code C0 80} is an overlong form of NUL that a lenient decoder reads as NUL: not UTF-8, and neither are a
     * surrogate, a code point above U+10FFFF or a cut sequence. The server refuses them. A Lambda function never sees
     * them: API Gateway (here Quarkus' mock of it) hands the function the body as text, decoded with replacement
     * characters; what is stored then holds no NUL.
     */
    @org.junit.jupiter.api.Test
    void malformedUtf8IsRefusedOrNeverStoredAsNul() throws Exception {
        boolean behindGateway = getClass().getClassLoader()
                .getResource("io/quarkus/amazon/lambda/http/LambdaHttpHandler.class") != null;
        byte[] head = "{\"userId\":\"u\",\"event\":\"a".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] tail = "b\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (byte[] bad : new byte[][] {{(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}}) {
            byte[] body = new byte[head.length + bad.length + tail.length];
            System.arraycopy(head, 0, body, 0, head.length);
            System.arraycopy(bad, 0, body, head.length, bad.length);
            System.arraycopy(tail, 0, body, head.length + bad.length, tail.length);
            // sent as these very bytes (RestAssured would re-encode them)
            java.net.http.HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(io.restassured.RestAssured.baseURI + ":"
                            + io.restassured.RestAssured.port + "/v1/track"))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + dev.sluice.testing.SluiceTestServers.KEY)
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (behindGateway) {
                assertEquals(202, answer.statusCode(), answer.body());
            } else {
                assertEquals(400, answer.statusCode(), answer.body());
                org.hamcrest.MatcherAssert.assertThat(answer.body(), containsString("{\"field\":\"body\",\"rule\":"
                        + "\"must be well-formed UTF-8 (byte " + head.length + " is not)\"}"));
            }
        }
        flush();
        for (org.bson.Document stored : analytics().find()) {
            String event = stored.getString("event");
            assertEquals(-1, event.indexOf('\0'), "no NUL stored: " + event);
            assertEquals(null, StrictJson.invalidText(com.fasterxml.jackson.databind.node.TextNode.valueOf(event),
                    "event"), "valid Unicode stored: " + event);
        }
        // the user id limit is the same where stats are read
        given().queryParam("userId", repeat("u", 256)).get("/api/user-stats").then().statusCode(200);
        given().queryParam("userId", repeat("u", 257)).get("/api/user-stats").then().statusCode(400)
                .body("problems[0].rule", containsString("1-256"));
    }

    /** One entry per problem, as the README says: a field that does not bind does not hide the others. */
    @org.junit.jupiter.api.Test
    void everyProblemOfAnItemIsNamed() {
        given().contentType("application/json")
                .body("{\"userId\":{\"$ne\":null},\"model\":\"m\",\"inputTokens\":-1,\"outputTokens\":2}")
                .post(AI).then().statusCode(400)
                .body("problems.field", org.hamcrest.Matchers.contains("userId", "inputTokens"))
                .body("problems.rule", org.hamcrest.Matchers.contains(equalTo("must be a string"),
                        containsString("greater than or equal to 0")));
        given().contentType("application/json")
                .body("{\"batch\":[" + OK_AI + ",{\"userId\":\"u\",\"tokens\":3,\"inputTokens\":\"5\","
                        + "\"timestamp\":1764979200,\"metadata\":[1]}]}")
                .post(AI).then().statusCode(400)
                .body("problems.index", org.hamcrest.Matchers.everyItem(equalTo(1)))
                .body("problems.field", org.hamcrest.Matchers.containsInAnyOrder("tokens", "inputTokens", "metadata",
                        "model", "outputTokens", "timestamp"));
        assertEquals(0, depth(config.queue().url()), "nothing may be queued");
    }

    @org.junit.jupiter.api.Test
    void wrongContentTypeIs415() {
        given().contentType("text/plain").body(OK_AI).post(AI).then().statusCode(415)
                .body("problems[0].field", equalTo("Content-Type"));
        assertEquals(0, depth(config.queue().url()));
    }
}

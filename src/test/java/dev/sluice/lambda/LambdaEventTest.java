package dev.sluice.lambda;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The artifact as Lambda runs it: API Gateway (HTTP API, payload 2.0) events posted to the mock event server. The
 * flush schedule invokes the flush function with exactly such an event for {@code POST /internal/flush}.
 */
@QuarkusTest
class LambdaEventTest extends PipelineTest {

    static String event(String method, String path, String body) {
        return """
                {"version":"2.0","routeKey":"%1$s %2$s","rawPath":"%2$s","rawQueryString":"",
                 "headers":{"content-type":"application/json","authorization":"Bearer test-key"},
                 "requestContext":{"http":{"method":"%1$s","path":"%2$s","protocol":"HTTP/1.1","sourceIp":"127.0.0.1"},
                   "requestId":"r-1","routeKey":"%1$s %2$s","stage":"$default"},
                 "body":%3$s,"isBase64Encoded":false}""".formatted(method, path, body == null ? "null"
                : "\"" + body.replace("\"", "\\\"") + "\"");
    }

    @Test
    void ingestThenScheduledFlushThroughLambdaEvents() {
        given().contentType("application/json")
                .body(event("POST", "/api/ai/usage",
                        "{\"eventId\":\"l-1\",\"userId\":\"u1\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":2}"))
                .post("/_lambda_")
                .then().statusCode(200).body("statusCode", equalTo(202)).body("body", containsString("l-1"));

        given().contentType("application/json").body(event("POST", "/internal/flush", null)).post("/_lambda_")
                .then().statusCode(200).body("statusCode", equalTo(200))
                .body("body", containsString("\"inserted\":1"));
        assertEquals(1, aiUsage().countDocuments());
    }

    @Test
    void invalidInputThroughLambdaIs400() {
        given().contentType("application/json").body(event("POST", "/v1/track", "{\"userId\":\"u\"}"))
                .post("/_lambda_")
                .then().statusCode(200).body("statusCode", equalTo(400)).body("body", containsString("event"));
    }
}

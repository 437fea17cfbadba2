package dev.sluice.packaged;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Date;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;

import dev.sluice.testing.SluiceTestServers;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.specification.RequestSpecification;

/**
 * One event's whole path through a packaged artifact, as API Gateway and the flush schedule reach the deployed
 * functions: ingest (single and batch), a rejection, the flush through {@code POST /internal/flush}, the documents in
 * MongoDB, and a resent event stored once. Subclasses say how the artifact is run and where the gateway is.
 */
abstract class PackagedScenario {

    private static MongoClient mongo;
    private static MongoDatabase db;

    /** The port where an HTTP request becomes an API Gateway event for the artifact. */
    abstract int gatewayPort();

    @BeforeAll
    static void connect() {
        new SluiceTestServers().start();
        mongo = MongoClients.create(SluiceTestServers.config("quarkus.mongodb.connection-string"));
        db = mongo.getDatabase(SluiceTestServers.config("sluice.mongo.database"));
    }

    @AfterAll
    static void close() {
        mongo.close();
    }

    private RequestSpecification gateway() {
        // a broken artifact never answers: fail instead of waiting forever
        return given().config(RestAssuredConfig.config().httpClient(HttpClientConfig.httpClientConfig()
                .setParam("http.socket.timeout", 120_000)))
                .port(gatewayPort()).contentType("application/json")
                .header("Authorization", "Bearer " + SluiceTestServers.KEY);
    }

    @Test
    void ingestFlushAndDeduplicate() {
        String usage = """
                {"eventId":"it-ai-1","userId":"u-it","model":"gpt-4o","provider":"openai","inputTokens":10,
                 "outputTokens":20,"costUsd":0.5,"timestamp":"2026-01-02T03:04:05Z","metadata":{"k":"v"}}""";
        gateway().body(usage).post("/api/ai/usage")
                .then().statusCode(202).body("ids", hasItems("it-ai-1"));
        gateway().body("""
                {"batch":[{"type":"track","messageId":"it-an-1","userId":"u-it","event":"Clicked",
                           "properties":{"button":"buy"}},
                          {"type":"page","messageId":"it-an-2","anonymousId":"a-1","name":"Home"}]}""")
                .post("/v1/batch")
                .then().statusCode(202).body("accepted", equalTo(2));
        // bad input is rejected whole, naming the field
        gateway().body("{\"userId\":\"u-it\",\"model\":\"m\",\"inputTokens\":-1,\"outputTokens\":0}")
                .post("/api/ai/usage")
                .then().statusCode(400).body(containsString("inputTokens"));

        gateway().post("/internal/flush").then().statusCode(200).body("inserted", equalTo(3));

        Document stored = db.getCollection("ai_usage").find(new Document("_id.id", "it-ai-1")).first();
        assertEquals("u-it", stored.getString("userId"));
        assertEquals(20, stored.getInteger("outputTokens"));
        assertEquals(0.5, stored.getDouble("costUsd"));
        assertEquals(Date.from(Instant.parse("2026-01-02T03:04:05Z")), stored.getDate("timestamp"));
        assertEquals("v", stored.get("metadata", Document.class).getString("k"));
        assertEquals("buy", db.getCollection("analytics").find(new Document("_id.id", "it-an-1")).first()
                .get("properties", Document.class).getString("button"));
        assertEquals(2, db.getCollection("analytics").countDocuments());

        // the same event again: accepted, and still stored once
        gateway().body(usage).post("/api/ai/usage").then().statusCode(202);
        gateway().post("/internal/flush").then().statusCode(200).body("duplicates", equalTo(1));
        assertEquals(1, db.getCollection("ai_usage").countDocuments());
    }
}

package dev.sluice.sink;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Collections;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(MemoryModeTest.Memory.class)
class MemoryModeTest extends WriteModeContract {

    public static class Memory implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sluice.write-mode", "memory", "sluice.memory.capacity", "10");
        }
    }

    @Inject
    MemorySink buffer;

    @Override
    void makeStored() {
        assertEquals(0, depth(config.queue().url()), "memory mode never uses the queue");
        buffer.flush();
    }

    @Test
    void aFullBufferAnswers503InsteadOfGrowing() {
        String one = "{\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}";
        given().contentType("application/json").body("{\"batch\":[" + String.join(",", Collections.nCopies(10, one))
                + "]}").post("/api/ai/usage").then().statusCode(202);
        given().contentType("application/json").body(one).post("/api/ai/usage").then().statusCode(503)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue());
        assertEquals(10, buffer.flush());
        assertEquals(10, aiUsage().countDocuments());
        given().contentType("application/json").body(one).post("/api/ai/usage").then().statusCode(202);
    }

    @Test
    void theFlushRouteWritesTheBufferFirst() {
        buffer.flush(); // what other tests left
        given().contentType("application/json").body("{\"batch\":["
                + "{\"eventId\":\"mem-1\",\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1},"
                + "{\"eventId\":\"mem-2\",\"userId\":\"u\",\"model\":\"m\",\"inputTokens\":1,\"outputTokens\":1}]}")
                .post("/api/ai/usage").then().statusCode(202);
        assertEquals(2, buffer.buffered());
        given().post("/internal/flush").then().statusCode(200);
        assertEquals(0, buffer.buffered());
        assertEquals(2, aiUsage().countDocuments(new Document("_id.id", new Document("$in",
                List.of("mem-1", "mem-2")))));
    }
}

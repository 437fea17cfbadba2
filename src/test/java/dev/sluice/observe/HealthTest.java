package dev.sluice.observe;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.FaultProxy;
import dev.sluice.testing.PipelineTest;
import dev.sluice.testing.SluiceTestServers;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Liveness never depends on a dependency; readiness reports each one on its own, and a stopped one as DOWN.
 */
@QuarkusTest
class HealthTest extends PipelineTest {

    private static String check(String name) {
        return "checks.find { it.name == '" + name + "' }.status";
    }

    @Test
    void everythingUpIsReady() {
        operations().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body(check("queue"), equalTo("UP")).body(check("mongodb"), equalTo("UP"))
                .body(check("redis"), equalTo("UP"));
    }

    @Test
    void aStoppedDependencyIsDownOnItsOwnAndLivenessStaysUp() {
        for (String name : new String[] {"queue", "mongodb", "redis"}) {
            FaultProxy proxy = switch (name) {
                case "queue" -> SluiceTestServers.sqsProxy();
                case "mongodb" -> SluiceTestServers.mongoProxy();
                default -> SluiceTestServers.redisProxy();
            };
            proxy.down();
            try {
                operations().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"))
                        .body(check(name), equalTo("DOWN"))
                        .body("checks.findAll { it.status == 'UP' }.name.size()", equalTo(2));
                operations().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
            } finally {
                proxy.up();
            }
        }
        operations().get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItem("queue"));
    }
}

package dev.sluice.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.PipelineTest;
import dev.sluice.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** A web app that publishes one PEM key (not a JWKS) names its algorithm, the default RS256. */
@QuarkusTest
@TestProfile(PemKeyTest.PemKey.class)
class PemKeyTest extends PipelineTest {

    public static class PemKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mp.jwt.verify.publickey.location", TestTokens.publicKeyFile().toUri().toString(),
                    "mp.jwt.verify.publickey.algorithm", "RS256");
        }
    }

    @Test
    void anRs256TokenIsVerifiedAgainstAPemKey() {
        given().header("Authorization", "Bearer " + TestTokens.forUser("pem-user", Duration.ofMinutes(5)))
                .get("/api/user-stats").then().statusCode(200).body("userId", equalTo("pem-user"));
        given().header("Authorization", "Bearer " + TestTokens.forged("pem-user")).get("/api/user-stats").then()
                .statusCode(401);
    }
}

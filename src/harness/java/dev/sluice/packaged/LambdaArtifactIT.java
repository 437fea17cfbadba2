package dev.sluice.packaged;

import org.eclipse.microprofile.config.ConfigProvider;

import dev.sluice.testing.SluiceTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.DisabledOnIntegrationTest;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The native executable ({@code -Dnative}) as Lambda's custom runtime runs it: it polls the Lambda Runtime API, here
 * Quarkus' mock event server on the test port, which turns each HTTP request into an API Gateway event. The JVM
 * build is not a process of its own on Lambda (AWS's Java runtime loads it): {@link FunctionZipIT} runs that one.
 */
@QuarkusIntegrationTest
@DisabledOnIntegrationTest(forArtifactTypes = DisabledOnIntegrationTest.ArtifactType.JAR)
@QuarkusTestResource(SluiceTestServers.class)
class LambdaArtifactIT extends PackagedScenario {

    @Override
    int gatewayPort() {
        return ConfigProvider.getConfig()
                .getOptionalValue("quarkus.lambda.mock-event-server.test-port", Integer.class).orElse(8081);
    }
}

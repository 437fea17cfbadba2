package dev.sluice.infra;

import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;

/** {@code cdk synth} / {@code cdk deploy} entry point (see cdk.json). */
public final class SluiceApp {

    private SluiceApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        String name = String.valueOf(app.getNode().tryGetContext("stackName") == null ? "sluice"
                : app.getNode().tryGetContext("stackName"));
        new SluiceStack(app, name, StackProps.builder().stackName(name).build(),
                SluiceSettings.from(app.getNode()));
        app.synth();
    }
}

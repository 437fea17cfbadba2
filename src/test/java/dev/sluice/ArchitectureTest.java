package dev.sluice;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package graph points one way (README, Architecture): no package imports one that imports it back, and each layer
 * uses only the layers below it.
 *
 * <ul>
 * <li>base: {@code config}, {@code event} (the event model), {@code api} (the error and parameter types every route
 * shares), {@code concurrent};</li>
 * <li>adapters: {@code queue} (SQS), {@code store} (MongoDB), {@code cache} (Redis), {@code ledger} (the accepted
 * events' counts), {@code security} (keys and callers);</li>
 * <li>{@code rollup}: folding stored events into the rollups;</li>
 * <li>the write path: {@code sink} (the write modes) and {@code flush} (the drain);</li>
 * <li>features: {@code ingest}, {@code stats}, {@code audit} (loss check, stored events), {@code observe};</li>
 * <li>the HTTP edge, {@code http} (errors to responses, the role filter), imported by nothing.</li>
 * </ul>
 */
@AnalyzeClasses(packages = "dev.sluice", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule noPackageImportsOneThatImportsItBack = slices().matching("dev.sluice.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule eachLayerUsesOnlyTheLayersBelowIt = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("base").definedBy("dev.sluice.config..", "dev.sluice.event..", "dev.sluice.api..",
                    "dev.sluice.concurrent..")
            .layer("adapters").definedBy("dev.sluice.queue..", "dev.sluice.store..", "dev.sluice.cache..",
                    "dev.sluice.ledger..", "dev.sluice.security..")
            .layer("rollups").definedBy("dev.sluice.rollup..")
            .layer("write path").definedBy("dev.sluice.sink..", "dev.sluice.flush..")
            .layer("features").definedBy("dev.sluice.ingest..", "dev.sluice.stats..", "dev.sluice.audit..",
                    "dev.sluice.observe..")
            .layer("edge").definedBy("dev.sluice.http..")
            .whereLayer("edge").mayNotBeAccessedByAnyLayer()
            .whereLayer("features").mayOnlyBeAccessedByLayers("edge")
            .whereLayer("write path").mayOnlyBeAccessedByLayers("features", "edge")
            .whereLayer("rollups").mayOnlyBeAccessedByLayers("write path", "features", "edge")
            .whereLayer("adapters").mayOnlyBeAccessedByLayers("rollups", "write path", "features", "edge");
}

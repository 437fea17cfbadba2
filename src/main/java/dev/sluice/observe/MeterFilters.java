package dev.sluice.observe;

import java.util.Set;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.config.MeterFilter;

/** Filters applied to every meter before it is registered (Quarkus applies each {@code MeterFilter} bean). */
public class MeterFilters {

    /** The HTTP methods there are; what an HTTP server meters by {@code method}. */
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
            "PATCH");
    static final String OTHER = "OTHER";

    /**
     * Any other method name a caller sends, with or without credentials, is metered as {@code OTHER}: each name would
     * otherwise make a series of its own, and memory grows with every name made up.
     */
    @Produces
    @Singleton
    MeterFilter knownMethodsOnly() {
        return MeterFilter.replaceTagValues("method", method -> METHODS.contains(method) ? method : OTHER);
    }
}

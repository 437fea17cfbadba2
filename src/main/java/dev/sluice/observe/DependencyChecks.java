package dev.sluice.observe;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

import dev.sluice.cache.StatsCache;
import dev.sluice.config.Role;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.WriteMode;
import dev.sluice.queue.EventQueue;
import dev.sluice.store.EventStore;

/**
 * {@code /q/health/ready}: one check per dependency, each reporting on its own. A dependency this deployment's role
 * does not use is reported UP with {@code used: false} and is never contacted (the ingest role is ready with the
 * queue alone and opens no MongoDB connection). {@code /q/health/live} has no check of a dependency: a dependency
 * being down is no reason to restart a process.
 */
final class DependencyChecks {


    private DependencyChecks() {
    }

    static HealthCheckResponse check(String name, boolean used, Role role, Supplier<Object> probe) {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(name).withData("used", used);
        if (!used) {
            return response.up().withData("role", role.name().toLowerCase()).build();
        }
        try {
            Object detail = probe.get();
            if (detail instanceof EventQueue.Depth depth) {
                response.withData("messages", depth.visible()).withData("inFlight", depth.inFlight())
                        .withData("deadLetters", depth.deadLetters());
            }
            return detail == Boolean.FALSE ? response.down().build() : response.up().build();
        } catch (RuntimeException e) {
            return response.down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }

    @org.eclipse.microprofile.health.Readiness
    @ApplicationScoped
    static class Queue implements HealthCheck {
        private final EventQueue queue;
        private final Role role;
        private final WriteMode mode;

        Queue(EventQueue queue, SluiceConfig config) {
            this.queue = queue;
            this.role = config.role();
            this.mode = config.writeMode();
        }

        @Override
        public HealthCheckResponse call() {
            return check("queue", role.usesQueue(mode), role, queue::depth);
        }
    }

    @org.eclipse.microprofile.health.Readiness
    @ApplicationScoped
    static class Mongo implements HealthCheck {
        private final EventStore store;
        private final Role role;
        private final WriteMode mode;

        Mongo(EventStore store, SluiceConfig config) {
            this.store = store;
            this.role = config.role();
            this.mode = config.writeMode();
        }

        @Override
        public HealthCheckResponse call() {
            return check("mongodb", role.usesMongo(mode), role, store::isReachable);
        }
    }

    @org.eclipse.microprofile.health.Readiness
    @ApplicationScoped
    static class Redis implements HealthCheck {
        private final StatsCache cache;
        private final Role role;

        Redis(StatsCache cache, SluiceConfig config) {
            this.cache = cache;
            this.role = config.role();
        }

        @Override
        public HealthCheckResponse call() {
            return check("redis", role.usesRedis(), role, () -> {
                cache.ping();
                return true;
            });
        }
    }
}

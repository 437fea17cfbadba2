package dev.sluice.observe;

import java.util.function.Supplier;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

import dev.sluice.cache.StatsCache;
import dev.sluice.config.Role;
import dev.sluice.config.SluiceConfig;
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

    /** One dependency's check: its name, whether this deployment's role uses it, and how to reach it. */
    abstract static class Check implements HealthCheck {
        private final String name;
        private final boolean used;
        private final Role role;
        private final Supplier<Object> probe;

        Check(String name, boolean used, Role role, Supplier<Object> probe) {
            this.name = name;
            this.used = used;
            this.role = role;
            this.probe = probe;
        }

        @Override
        public HealthCheckResponse call() {
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
    }

    @org.eclipse.microprofile.health.Readiness
    @Singleton
    static class Queue extends Check {
        Queue(EventQueue queue, SluiceConfig config) {
            super("queue", config.role().usesQueue(config.writeMode()), config.role(), queue::depth);
        }
    }

    @org.eclipse.microprofile.health.Readiness
    @Singleton
    static class Mongo extends Check {
        Mongo(EventStore store, SluiceConfig config) {
            super("mongodb", config.role().usesMongo(config.writeMode()), config.role(), store::isReachable);
        }
    }

    @org.eclipse.microprofile.health.Readiness
    @Singleton
    static class Redis extends Check {
        Redis(StatsCache cache, SluiceConfig config) {
            super("redis", config.role().usesRedis(), config.role(), () -> {
                cache.ping();
                return true;
            });
        }
    }
}

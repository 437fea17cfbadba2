package dev.sluice.stats;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.Bulkhead;

/**
 * Stats reads while Redis is down go through here: at most a few at once per instance (a SmallRye Fault Tolerance
 * bulkhead; more get 503 with Retry-After), so a Redis outage cannot turn every stats request into a MongoDB query
 * and exhaust the connection budget. The limit is
 * {@code quarkus.fault-tolerance."dev.sluice.stats.BypassReads/read".bulkhead.value}.
 */
@ApplicationScoped
public class BypassReads {

    @Bulkhead(2)
    public <T> T read(Supplier<T> query) {
        return query.get();
    }
}

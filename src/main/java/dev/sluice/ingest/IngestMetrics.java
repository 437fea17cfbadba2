package dev.sluice.ingest;

import java.util.Locale;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import dev.sluice.api.ErrorBody;
import dev.sluice.security.Routes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Ingest's meters, taken at the edge so the resources stay thin: {@code sluice.ingest.events.accepted} (events, by
 * endpoint), {@code sluice.ingest.rejected} (tracking calls answered 4xx/5xx, by endpoint and reason, the error
 * code of the body; nothing of a rejected call is stored) and {@code sluice.ingest.latency} (by endpoint).
 */
public class IngestMetrics {

    private static final String STARTED = IngestMetrics.class.getName() + ".started";

    private final MeterRegistry registry;

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (String endpoint : new String[] {"ai_usage", "segment"}) {
            registry.counter("sluice.ingest.events.accepted", "endpoint", endpoint);
        }
    }

    @ServerRequestFilter(preMatching = true)
    public void started(ContainerRequestContext request) {
        if (Routes.ingestEndpoint(request.getUriInfo().getPath()) != null) {
            request.setProperty(STARTED, System.nanoTime());
        }
    }

    @ServerResponseFilter
    public void answered(ContainerRequestContext request, ContainerResponseContext response) {
        if (!(request.getProperty(STARTED) instanceof Long started)) {
            return;
        }
        String endpoint = Routes.ingestEndpoint(request.getUriInfo().getPath());
        Timer.builder("sluice.ingest.latency").tag("endpoint", endpoint).description("Tracking call latency")
                .register(registry).record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        Object entity = response.getEntity();
        if (entity instanceof IngestReceipt receipt) {
            registry.counter("sluice.ingest.events.accepted", "endpoint", endpoint).increment(receipt.accepted());
        } else if (response.getStatus() >= 400) {
            String reason = entity instanceof ErrorBody error ? error.error()
                    : "status_" + response.getStatus();
            registry.counter("sluice.ingest.rejected", "endpoint", endpoint, "reason",
                    reason.toLowerCase(Locale.ROOT)).increment();
        }
    }
}

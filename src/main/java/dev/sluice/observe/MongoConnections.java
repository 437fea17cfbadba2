package dev.sluice.observe;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.mongodb.MongoClientSettings;
import com.mongodb.ServerAddress;
import com.mongodb.connection.ServerMonitoringMode;
import com.mongodb.event.ConnectionCheckedInEvent;
import com.mongodb.event.ConnectionCheckedOutEvent;
import com.mongodb.event.ConnectionClosedEvent;
import com.mongodb.event.ConnectionCreatedEvent;
import com.mongodb.event.ConnectionPoolCreatedEvent;
import com.mongodb.event.ConnectionPoolListener;
import com.mongodb.connection.ServerConnectionState;
import com.mongodb.event.ServerClosedEvent;
import com.mongodb.event.ServerDescriptionChangedEvent;
import com.mongodb.event.ServerHeartbeatFailedEvent;
import com.mongodb.event.ServerHeartbeatSucceededEvent;
import com.mongodb.event.ServerListener;
import com.mongodb.event.ServerMonitorListener;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.mongodb.runtime.MongoClientCustomizer;

/**
 * The MongoDB connections this process holds, for the connection budget: the pool's connections plus the monitoring
 * connections the driver keeps to every replica-set member (one when it polls, as on Lambda; two when it streams
 * heartbeats, which takes a second connection for round-trip times). Published as gauges next to the driver's own
 * pool meters ({@code mongodb.driver.pool.*}):
 * <ul>
 * <li>{@code sluice.mongo.connections}: connections held now, monitoring included</li>
 * <li>{@code sluice.mongo.pool.usage}: connections checked out over the pool's maximum size, 0..1</li>
 * <li>{@code sluice.mongo.pool.max}: the pool's maximum size</li>
 * </ul>
 * Nothing here creates a client: the listeners are attached when one is created, by the roles that need MongoDB.
 */
@ApplicationScoped
public class MongoConnections implements MongoClientCustomizer {

    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger checkedOut = new AtomicInteger();
    private final AtomicInteger maxSize = new AtomicInteger();
    /** Per server with a live monitor: whether its heartbeats stream (two monitoring connections) or poll (one). */
    private final Map<ServerAddress, Boolean> monitored = new ConcurrentHashMap<>();

    /** On Lambda heartbeats poll: one monitoring connection per member, as the infrastructure's budget counts. */
    private final boolean pollHeartbeats;

    @Inject
    public MongoConnections(MeterRegistry registry) {
        this(registry, System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null);
    }

    MongoConnections(MeterRegistry registry, boolean pollHeartbeats) {
        this.pollHeartbeats = pollHeartbeats;
        Gauge.builder("sluice.mongo.connections", this, MongoConnections::connections)
                .description("MongoDB connections held by this process, monitoring connections included")
                .register(registry);
        Gauge.builder("sluice.mongo.pool.usage", this, MongoConnections::poolUsage).baseUnit("ratio")
                .description("Connections checked out over the maximum pool size").register(registry);
        Gauge.builder("sluice.mongo.pool.max", maxSize, AtomicInteger::get)
                .description("Maximum pool size").register(registry);
    }

    @Override
    public MongoClientSettings.Builder customize(MongoClientSettings.Builder builder) {
        if (pollHeartbeats) {
            builder.applyToServerSettings(server -> server.serverMonitoringMode(ServerMonitoringMode.POLL));
        }
        return builder
                .applyToConnectionPoolSettings(pool -> pool.addConnectionPoolListener(new PoolCounter()))
                .applyToServerSettings(server -> server.addServerListener(new ServerCounter())
                        .addServerMonitorListener(new MonitorCounter()));
    }

    /** Connections held now: pool plus monitoring. */
    public int connections() {
        return open.get() + monitored.values().stream().mapToInt(streaming -> streaming ? 2 : 1).sum();
    }

    /** Checked-out connections over the maximum pool size. */
    public double poolUsage() {
        int max = maxSize.get();
        return max == 0 ? 0 : (double) checkedOut.get() / max;
    }

    private final class PoolCounter implements ConnectionPoolListener {
        @Override
        public void connectionPoolCreated(ConnectionPoolCreatedEvent event) {
            maxSize.set(event.getSettings().getMaxSize());
        }

        @Override
        public void connectionCreated(ConnectionCreatedEvent event) {
            open.incrementAndGet();
        }

        @Override
        public void connectionClosed(ConnectionClosedEvent event) {
            open.decrementAndGet();
        }

        @Override
        public void connectionCheckedOut(ConnectionCheckedOutEvent event) {
            checkedOut.incrementAndGet();
        }

        @Override
        public void connectionCheckedIn(ConnectionCheckedInEvent event) {
            checkedOut.decrementAndGet();
        }
    }

    private final class MonitorCounter implements ServerMonitorListener {
        @Override
        public void serverHeartbeatSucceeded(ServerHeartbeatSucceededEvent event) {
            monitored.put(event.getConnectionId().getServerId().getAddress(), event.isAwaited());
        }

        @Override
        public void serverHeartbeatFailed(ServerHeartbeatFailedEvent event) {
            // a failed heartbeat closes the monitoring connection; the next success opens one again
            monitored.remove(event.getConnectionId().getServerId().getAddress());
        }
    }

    private final class ServerCounter implements ServerListener {
        /** A member the driver reaches has its monitoring connection; one it lost has none until it reconnects. */
        @Override
        public void serverDescriptionChanged(ServerDescriptionChangedEvent event) {
            ServerAddress address = event.getServerId().getAddress();
            if (event.getNewDescription().getState() == ServerConnectionState.CONNECTED) {
                monitored.putIfAbsent(address, false);
            } else {
                monitored.remove(address);
            }
        }

        @Override
        public void serverClosed(ServerClosedEvent event) {
            monitored.remove(event.getServerId().getAddress());
        }
    }
}

package dev.sluice.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

import com.mongodb.MongoClientSettings;
import com.mongodb.ServerAddress;
import com.mongodb.connection.ClusterId;
import com.mongodb.connection.ConnectionId;
import com.mongodb.connection.ConnectionPoolSettings;
import com.mongodb.connection.ServerConnectionState;
import com.mongodb.connection.ServerDescription;
import com.mongodb.connection.ServerId;
import com.mongodb.connection.ServerMonitoringMode;
import com.mongodb.event.ConnectionCheckedInEvent;
import com.mongodb.event.ConnectionCheckedOutEvent;
import com.mongodb.event.ConnectionClosedEvent;
import com.mongodb.event.ConnectionCreatedEvent;
import com.mongodb.event.ConnectionPoolCreatedEvent;
import com.mongodb.event.ConnectionPoolListener;
import com.mongodb.event.ServerClosedEvent;
import com.mongodb.event.ServerDescriptionChangedEvent;
import com.mongodb.event.ServerHeartbeatFailedEvent;
import com.mongodb.event.ServerHeartbeatSucceededEvent;
import com.mongodb.event.ServerListener;
import com.mongodb.event.ServerMonitorListener;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The connection count of a replica set the test servers cannot be: three members, streaming and polling heartbeats,
 * a pool filling up. The driver's own events are fed to the listeners the customizer installs.
 */
class MongoConnectionsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MongoConnections connections = new MongoConnections(registry, false);
    private final MongoClientSettings settings = connections.customize(MongoClientSettings.builder()).build();
    private final ConnectionPoolListener pool = settings.getConnectionPoolSettings().getConnectionPoolListeners()
            .get(0);
    private final ServerMonitorListener monitor = settings.getServerSettings().getServerMonitorListeners().get(0);
    private final ServerListener servers = settings.getServerSettings().getServerListeners().get(0);
    private final ClusterId cluster = new ClusterId();

    private ServerId member(int n) {
        return new ServerId(cluster, new ServerAddress("member" + n, 27017));
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    @Test
    void onLambdaHeartbeatsPollSoEachMemberCostsOneConnection() {
        assertEquals(ServerMonitoringMode.POLL, new MongoConnections(new SimpleMeterRegistry(), true)
                .customize(MongoClientSettings.builder()).build().getServerSettings().getServerMonitoringMode());
        assertEquals(ServerMonitoringMode.AUTO, settings.getServerSettings().getServerMonitoringMode());
    }

    @Test
    void aMemberReachedWithoutAHeartbeatYetHasItsMonitoringConnection() {
        // the monitor's first hello is its connection handshake, which fires no heartbeat event
        ServerAddress address = member(0).getAddress();
        servers.serverDescriptionChanged(new ServerDescriptionChangedEvent(member(0),
                ServerDescription.builder().address(address).state(ServerConnectionState.CONNECTED).build(),
                ServerDescription.builder().address(address).state(ServerConnectionState.CONNECTING).build()));
        assertEquals(1, gauge("sluice.mongo.connections"));
        servers.serverDescriptionChanged(new ServerDescriptionChangedEvent(member(0),
                ServerDescription.builder().address(address).state(ServerConnectionState.CONNECTING).build(),
                ServerDescription.builder().address(address).state(ServerConnectionState.CONNECTED).build()));
        assertEquals(0, gauge("sluice.mongo.connections"));
    }

    @Test
    void countsPoolAndMonitoringConnectionsOfEveryMember() {
        ServerId primary = member(0);
        pool.connectionPoolCreated(new ConnectionPoolCreatedEvent(primary,
                ConnectionPoolSettings.builder().maxSize(4).build()));
        ConnectionId a = new ConnectionId(primary, 1, null);
        ConnectionId b = new ConnectionId(primary, 2, null);
        ConnectionId c = new ConnectionId(primary, 3, null);
        for (ConnectionId id : new ConnectionId[] {a, b, c}) {
            pool.connectionCreated(new ConnectionCreatedEvent(id));
            pool.connectionCheckedOut(new ConnectionCheckedOutEvent(id, id.getLocalValue(), 0));
        }
        assertEquals(0.75, gauge("sluice.mongo.pool.usage"));
        assertEquals(4, gauge("sluice.mongo.pool.max"));

        // three members: two stream their heartbeats (two connections each), one polls (one connection)
        for (int n = 0; n < 3; n++) {
            monitor.serverHeartbeatSucceeded(new ServerHeartbeatSucceededEvent(new ConnectionId(member(n)),
                    new BsonDocument(), 1, n < 2));
        }
        assertEquals(3 + 2 + 2 + 1, gauge("sluice.mongo.connections"));

        pool.connectionCheckedIn(new ConnectionCheckedInEvent(c, 3));
        pool.connectionCheckedIn(new ConnectionCheckedInEvent(b, 2));
        pool.connectionClosed(new ConnectionClosedEvent(b, ConnectionClosedEvent.Reason.IDLE));
        assertEquals(0.25, gauge("sluice.mongo.pool.usage"));
        assertEquals(2 + 2 + 2 + 1, gauge("sluice.mongo.connections"));
        // a member whose heartbeat failed has no monitoring connection until the next success
        monitor.serverHeartbeatFailed(new ServerHeartbeatFailedEvent(new ConnectionId(member(2)), 1, false,
                new RuntimeException("down")));
        assertEquals(2 + 2 + 2, gauge("sluice.mongo.connections"));
        servers.serverClosed(new ServerClosedEvent(member(1)));
        assertEquals(2 + 2, gauge("sluice.mongo.connections"));
    }
}

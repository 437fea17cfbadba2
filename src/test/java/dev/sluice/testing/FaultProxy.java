package dev.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A loopback TCP proxy in front of a real server, so a test can take the server "down" (every connection dropped and
 * new ones refused) and bring it back, with its data intact. It works the same in front of an embedded server and an
 * external one, which is why the tests use it instead of mocks for outages. It also counts the connections it accepts.
 */
public final class FaultProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger live = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final Map<String, LongAdder> commands = new ConcurrentHashMap<>();
    private volatile boolean countCommands;
    private volatile boolean down;
    private volatile long delayMillis;
    private volatile boolean closed;

    public FaultProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        try {
            this.listener = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-" + targetPort);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** The server behind this proxy. */
    public String targetHost() {
        return targetHost;
    }

    public int targetPort() {
        return targetPort;
    }

    /** Connections accepted since start (while up). */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return live.get();
    }

    /** The most connections open at once since the last {@link #resetCounts()}. */
    public int peakConnections() {
        return peak.get();
    }

    /**
     * Counts the MongoDB commands sent through this proxy by name ({@code insert}, {@code hello}, ...), read from the
     * wire protocol's {@code OP_MSG} frames: what the server executes, whichever client sent it.
     */
    public void countMongoCommands() {
        countCommands = true;
    }

    public Map<String, Long> commands() {
        Map<String, Long> out = new TreeMap<>();
        commands.forEach((name, n) -> out.put(name, n.sum()));
        return out;
    }

    /** Starts the accepted, peak and command counts again (peak from the connections open now). */
    public void resetCounts() {
        accepted.set(0);
        peak.set(live.get());
        commands.clear();
    }

    /** Drops every open connection and refuses new ones, as a crashed server would. */
    public void down() {
        down = true;
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    public void up() {
        down = false;
    }

    /** Holds every chunk of bytes this long before passing it on, both ways: a slow network or an overloaded server. */
    public void delay(Duration delay) {
        delayMillis = delay.toMillis();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            if (down) {
                closeQuietly(client);
                continue;
            }
            accepted.incrementAndGet();
            try {
                Socket server = new Socket();
                server.connect(new InetSocketAddress(targetHost, targetPort), 2000);
                // no Nagle: a proxied request must not wait for the delayed ACK of the previous one
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                open.add(client);
                open.add(server);
                peak.accumulateAndGet(live.incrementAndGet(), Math::max);
                AtomicInteger ends = new AtomicInteger();
                Runnable closed = () -> {
                    if (ends.incrementAndGet() == 2) {
                        live.decrementAndGet();
                    }
                };
                pipe(client, server, countCommands ? new MongoFrames(commands) : null, closed);
                pipe(server, client, null, closed);
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void pipe(Socket from, Socket to, MongoFrames frames, Runnable closed) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    long delay = delayMillis;
                    if (delay > 0) {
                        Thread.sleep(delay);
                    }
                    if (frames != null) {
                        frames.feed(buffer, n);
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (SocketException e) {
                // closed by down() or by a peer
            } catch (IOException e) {
                // same
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
                closed.run();
            }
        }, "fault-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Splits one connection's client-to-server bytes into wire-protocol messages and counts each by its command name:
     * the first key of an {@code OP_MSG}'s body (opcode 2013), or {@code OP_QUERY} (2004, the legacy handshake).
     */
    static final class MongoFrames {
        private final Map<String, LongAdder> counts;
        private final byte[] head = new byte[64];
        private int headSize;
        private long remaining;

        MongoFrames(Map<String, LongAdder> counts) {
            this.counts = counts;
        }

        void feed(byte[] bytes, int length) {
            int i = 0;
            while (i < length) {
                if (remaining > 0) {
                    int skip = (int) Math.min(remaining, length - i);
                    remaining -= skip;
                    i += skip;
                    continue;
                }
                head[headSize++] = bytes[i++];
                int messageLength = headSize >= 4 ? intAt(0) : -1;
                if (headSize == head.length || (messageLength > 0 && headSize == messageLength)) {
                    count(messageLength);
                    remaining = messageLength - headSize;
                    headSize = 0;
                }
            }
        }

        private void count(int messageLength) {
            int opCode = intAt(12);
            String name = "op" + opCode;
            // OP_MSG: header (16), flagBits (4), section kind 0 (1), document length (4), element type (1), key
            if (opCode == 2013 && head[20] == 0 && messageLength > 26) {
                int start = 26;
                int end = start;
                while (end < headSize && head[end] != 0) {
                    end++;
                }
                name = new String(head, start, end - start, StandardCharsets.UTF_8);
            } else if (opCode == 2004) {
                name = "legacy query";
            }
            counts.computeIfAbsent(name, k -> new LongAdder()).increment();
        }

        private int intAt(int offset) {
            return (head[offset] & 0xff) | (head[offset + 1] & 0xff) << 8 | (head[offset + 2] & 0xff) << 16
                    | (head[offset + 3] & 0xff) << 24;
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        down();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do
        }
    }
}

package dev.sluice.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady stream of tracking calls, as the web app sends them: single AI usage records, batches of five, and Segment
 * batches of five, each event with its own id, from ten users. It keeps the contract a client has with Sluice: a 202
 * means stored exactly once; a 503 means "not known to be stored", so the call is sent again with the same ids after
 * its Retry-After (at most a second here, to keep the run short), until it is acknowledged, which never duplicates;
 * a call that gets no answer (a timeout, a dropped connection) is sent again likewise, up to three times. It records
 * every id the service acknowledged with a 202, and every id it never did (the stream stopped first, or no answer).
 */
final class EventStream implements AutoCloseable {

    private static final int ATTEMPTS = 3;
    /** Resends of a call answered 503 at most: far longer than any outage of a fault plan. */
    private static final int RESENDS_AFTER_503 = 600;
    private static final long MAX_RETRY_AFTER_MILLIS = 1000;

    private final String name;
    private final int port;
    private final String key;
    private final Duration every;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    private final Set<String> unacknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong unanswered = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final AtomicLong lastAccepted = new AtomicLong();
    private final List<String> refusals = new ArrayList<>();
    private volatile boolean running;
    private volatile Runnable onNoAnswer = () -> {
    };
    private Thread thread;

    EventStream(String name, int port, String key, Duration every) {
        this.name = name;
        this.port = port;
        this.key = key;
        this.every = every;
    }

    /** Called, on the stream's thread, whenever an attempt gets no answer (before it is sent again). */
    void onNoAnswer(Runnable hook) {
        this.onNoAnswer = hook;
    }

    void start() {
        running = true;
        thread = new Thread(this::run, "event-stream-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops after the call in progress has its answer. */
    @Override
    public void close() {
        running = false;
        if (thread != null) {
            try {
                thread.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        long seq = 0;
        while (running) {
            long started = System.nanoTime();
            send(seq++);
            long pause = every.toNanos() - (System.nanoTime() - started);
            if (pause > 0) {
                sleepNanos(pause);
            }
        }
    }

    private void send(long seq) {
        String user = "fault-user-" + (seq % 10);
        List<String> ids = new ArrayList<>();
        String path;
        String body;
        switch ((int) (seq % 3)) {
            case 0 -> {
                path = "/api/ai/usage";
                body = aiUsage(id(seq, 0, ids), user);
            }
            case 1 -> {
                path = "/api/ai/usage";
                List<String> items = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    items.add(aiUsage(id(seq, i, ids), user));
                }
                body = "{\"batch\":[" + String.join(",", items) + "]}";
            }
            default -> {
                path = "/v1/batch";
                List<String> items = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    items.add("{\"type\":\"track\",\"messageId\":\"" + id(seq, i, ids) + "\",\"userId\":\"" + user
                            + "\",\"event\":\"Clicked\",\"properties\":{\"seq\":" + seq + "}}");
                }
                body = "{\"batch\":[" + String.join(",", items) + "]}";
            }
        }
        sent.addAndGet(ids.size());
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        int noAnswer = 0;
        boolean answered503 = false;
        for (int resend = 0; resend <= RESENDS_AFTER_503 && noAnswer < ATTEMPTS; resend++) {
            if (resend > 0) {
                resent.addAndGet(ids.size());
            }
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                noAnswer++;
                onNoAnswer.run();
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (response.statusCode() == 202) {
                accepted.addAll(ids);
                lastAccepted.set(System.nanoTime());
                return;
            }
            if (response.statusCode() != 503) {
                refused.addAndGet(ids.size());
                synchronized (refusals) {
                    if (refusals.size() < 5) {
                        refusals.add(response.statusCode() + " " + response.body());
                    }
                }
                return;
            }
            if (!answered503) {
                answered503 = true;
                rejected.addAndGet(ids.size());
            }
            if (!running) {
                break; // the stream is stopping: the call stays unacknowledged
            }
            sleepNanos(retryAfterMillis(response) * 1_000_000);
        }
        if (noAnswer >= ATTEMPTS) {
            unanswered.addAndGet(ids.size());
        }
        unacknowledged.addAll(ids);
    }

    private static long retryAfterMillis(HttpResponse<String> response) {
        long seconds = response.headers().firstValueAsLong("Retry-After").orElse(1);
        return Math.min(MAX_RETRY_AFTER_MILLIS, seconds * 1000);
    }

    private String id(long seq, int item, List<String> ids) {
        String id = name + "-" + seq + "-" + item;
        ids.add(id);
        return id;
    }

    private static String aiUsage(String id, String user) {
        return "{\"eventId\":\"" + id + "\",\"userId\":\"" + user + "\",\"model\":\"gpt-4o\",\"provider\":\"openai\","
                + "\"inputTokens\":100,\"outputTokens\":20,\"costUsd\":0.001}";
    }

    /** Waits for the next 202 after now: a moment when the memory buffer surely holds something. */
    void awaitAccepted(Duration max) {
        long since = System.nanoTime();
        long deadline = since + max.toNanos();
        while (lastAccepted.get() < since && System.nanoTime() < deadline) {
            sleepNanos(1_000_000);
        }
    }

    Set<String> accepted() {
        return accepted;
    }

    /** Ids never acknowledged: not known to be stored (the service may have stored them, or not). */
    Set<String> unacknowledged() {
        return unacknowledged;
    }

    long sent() {
        return sent.get();
    }

    /** Events answered 503 at least once (then sent again until acknowledged). */
    long rejected() {
        return rejected.get();
    }

    long refused() {
        return refused.get();
    }

    long unanswered() {
        return unanswered.get();
    }

    long resent() {
        return resent.get();
    }

    List<String> refusals() {
        synchronized (refusals) {
            return List.copyOf(refusals);
        }
    }

    static void sleepNanos(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

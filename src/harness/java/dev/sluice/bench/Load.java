package dev.sluice.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.LongFunction;

import dev.sluice.testing.SluiceTestServers;

/** HTTP load on a server: closed-loop clients, each sending its next call as soon as the last is answered. */
final class Load {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static final AtomicLong IDS = new AtomicLong();

    /** One kind of call: its path, how many events it carries, and its body for a sequence number. */
    record Call(String name, String path, int events, LongFunction<String> body) {
    }

    /** What one closed-loop run measured. */
    record Result(long events, double seconds, Latencies latencies, long errors) {
        double eventsPerSecond() {
            return events / seconds;
        }
    }

    static final Call SINGLE = new Call("single event", "/api/ai/usage", 1, seq -> aiUsage("b" + seq + "-0"));
    static final Call BATCH = new Call("batch of 100", "/api/ai/usage", 100, seq -> {
        StringBuilder body = new StringBuilder(24_000).append("{\"batch\":[");
        for (int i = 0; i < 100; i++) {
            body.append(i == 0 ? "" : ",").append(aiUsage("b" + seq + "-" + i));
        }
        return body.append("]}").toString();
    });

    private Load() {
    }

    static String aiUsage(String id) {
        return "{\"eventId\":\"" + id + "\",\"userId\":\"user-" + (Math.abs(id.hashCode()) % 500)
                + "\",\"model\":\"gpt-4o\",\"provider\":\"openai\",\"inputTokens\":1200,\"outputTokens\":350,"
                + "\"costUsd\":0.0123,\"latencyMs\":812,\"feature\":\"chat\",\"metadata\":{\"conversation\":\"c-9\"}}";
    }

    static HttpRequest.Builder post(int port, String path, String body) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + SluiceTestServers.KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    /** {@code clients} closed loops of {@code call} for {@code length}; a call answered other than 202 is an error. */
    static Result closedLoop(int port, Call call, int clients, Duration length) {
        Latencies latencies = new Latencies();
        AtomicLong events = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long end = start + length.toNanos();
        concurrently(clients, c -> {
            while (System.nanoTime() < end) {
                HttpRequest request = post(port, call.path(), call.body().apply(IDS.incrementAndGet())).build();
                long sent = System.nanoTime();
                try {
                    HttpResponse<Void> response = HTTP.send(request, HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() == 202) {
                        latencies.add(System.nanoTime() - sent);
                        events.addAndGet(call.events());
                    } else {
                        errors.incrementAndGet();
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        });
        return new Result(events.get(), (System.nanoTime() - start) / 1e9, latencies, errors.get());
    }

    /** Runs {@code body} on {@code threads} threads at once, given each thread's number, and waits for all. */
    static void concurrently(int threads, IntConsumer body) {
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int n = i;
            Thread t = new Thread(() -> body.accept(n), "load-" + i);
            t.start();
            started.add(t);
        }
        for (Thread t : started) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Posts and returns the answer's body (the caller checks what it needs). */
    static String send(int port, String path, String body) {
        try {
            HttpResponse<String> response = HTTP.send(post(port, path, body).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(path + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException(path + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

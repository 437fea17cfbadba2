package dev.sluice.sink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;

import dev.sluice.concurrent.GroupCommit;
import dev.sluice.config.SluiceConfig;
import dev.sluice.event.TrackedEvent;
import dev.sluice.ledger.AcceptedLedger;
import dev.sluice.queue.EventQueue;
import dev.sluice.queue.MessageCodec;
import dev.sluice.queue.QueueUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The {@code queue} write mode: events are packed into messages and are accepted once SQS holds all of them.
 *
 * <p>Concurrent calls are sent together ({@link GroupCommit}): while one group's messages are on their way, the calls
 * that arrive gather, and the next group shares SendMessageBatch requests and messages, then one count in the ledger.
 * No request thread waits for it. A group fails or succeeds whole: a failed group's callers answer 503 and resend,
 * and whatever of it had reached the queue is deduplicated by id.
 */
@ApplicationScoped
@Typed(QueueSink.class)
public class QueueSink implements EventSink {

    /** One ingest call in a send group: its events, already packed into bodies on the caller's thread. */
    private record Call(List<TrackedEvent> events, List<String> bodies) {
    }

    private final EventQueue queue;
    private final MessageCodec codec;
    private final AcceptedLedger ledger;
    private final GroupCommit<Call> groups;
    private final Timer sendTime;
    private final Counter sendFailures;
    private final Duration sendTimeout;

    public QueueSink(EventQueue queue, MessageCodec codec, AcceptedLedger ledger, SluiceConfig config,
            MeterRegistry registry) {
        this.queue = queue;
        this.codec = codec;
        this.ledger = ledger;
        this.groups = new GroupCommit<>("sluice-queue-send", config.queue().sendLinger(),
                config.queue().sendConcurrency(), this::send);
        this.sendTimeout = config.queue().sendTimeout();
        this.sendTime = Timer.builder("sluice.queue.send").description("Time to put an ingest call's events on the "
                + "queue, waiting for its send group and retries of failed entries included").register(registry);
        this.sendFailures = Counter.builder("sluice.queue.send.failures")
                .description("Ingest calls whose events could not all be queued (answered 503)").register(registry);
    }

    @PreDestroy
    void stop() {
        groups.close();
    }

    @Override
    public Uni<Void> accept(List<TrackedEvent> events) {
        long start = System.nanoTime();
        Uni<Void> sent = Uni.createFrom().completionStage(groups.submit(new Call(events, codec.pack(events))))
                // whatever holds the send up, the call is answered
                .ifNoItem().after(sendTimeout).failWith(() -> new QueueUnavailableException(
                        "the queue did not take the events within " + sendTimeout.toMillis() + " ms", null))
                .onFailure().transform(e -> {
                    sendFailures.increment();
                    return e instanceof QueueUnavailableException ? new SinkUnavailableException(e.getMessage(), e)
                            : e;
                })
                .onTermination().invoke(() -> sendTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
        // the group's callers go on on their own event loops, not one after the other on the sender's thread
        Context context = Vertx.currentContext();
        return context == null ? sent : sent.emitOn(task -> context.runOnContext(none -> task.run()));
    }

    /** A group's send: its calls share messages as well as requests, and one count in the ledger once sent. */
    private void send(List<Call> calls) {
        List<String> bodies = new ArrayList<>();
        List<List<TrackedEvent>> events = new ArrayList<>(calls.size());
        for (Call call : calls) {
            bodies.addAll(call.bodies());
            events.add(call.events());
        }
        queue.send(codec.merge(bodies));
        ledger.acceptedCalls(events);
    }
}

package dev.sluice.sink;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;

import dev.sluice.audit.AcceptedLedger;
import dev.sluice.concurrent.GroupCommit;
import dev.sluice.config.SluiceConfig;
import dev.sluice.event.TrackedEvent;
import dev.sluice.queue.EventQueue;
import dev.sluice.queue.MessageCodec;
import dev.sluice.queue.QueueUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The {@code queue} write mode: events are packed into messages and are accepted once SQS holds all of them.
 *
 * <p>Concurrent calls are sent together ({@link GroupCommit}): while one group's messages are on their way, the calls
 * that arrive wait, and the next group shares SendMessageBatch requests and messages, then one count in the ledger.
 * A group fails or succeeds whole: a failed group's callers answer 503 and resend, and whatever of it had reached the
 * queue is deduplicated by id.
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

    public QueueSink(EventQueue queue, MessageCodec codec, AcceptedLedger ledger, SluiceConfig config,
            MeterRegistry registry) {
        this.queue = queue;
        this.codec = codec;
        this.ledger = ledger;
        this.groups = new GroupCommit<>(config.queue().sendLinger());
        this.sendTime = Timer.builder("sluice.queue.send").description("Time to put an ingest call's events on the "
                + "queue, waiting for its send group and retries of failed entries included").register(registry);
        this.sendFailures = Counter.builder("sluice.queue.send.failures")
                .description("Ingest calls whose events could not all be queued (answered 503)").register(registry);
    }

    @Override
    public void accept(List<TrackedEvent> events) {
        long start = System.nanoTime();
        try {
            groups.submit(new Call(events, codec.pack(events)), this::send);
        } catch (CancellationException e) {
            sendFailures.increment();
            throw new SinkUnavailableException("interrupted before sending", e);
        } catch (QueueUnavailableException e) {
            sendFailures.increment();
            throw new SinkUnavailableException(e.getMessage(), e);
        } finally {
            sendTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
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

package dev.sluice.sink;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;

import dev.sluice.event.TrackedEvent;
import dev.sluice.queue.EventQueue;
import dev.sluice.queue.MessageCodec;
import dev.sluice.queue.QueueUnavailableException;

/** The {@code queue} write mode: events are packed into messages and are accepted once SQS holds all of them. */
@ApplicationScoped
@Typed(QueueSink.class)
public class QueueSink implements EventSink {

    private final EventQueue queue;
    private final MessageCodec codec;

    public QueueSink(EventQueue queue, MessageCodec codec) {
        this.queue = queue;
        this.codec = codec;
    }

    @Override
    public void accept(List<TrackedEvent> events) {
        try {
            queue.send(codec.pack(events));
        } catch (QueueUnavailableException e) {
            throw new SinkUnavailableException(e.getMessage(), e);
        }
    }
}

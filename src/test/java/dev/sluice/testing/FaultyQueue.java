package dev.sluice.testing;

import java.time.Duration;
import java.util.List;

import dev.sluice.queue.EventQueue;
import dev.sluice.queue.ReceivedMessage;

/** The real queue, with a fault where a real server cannot produce one: the process dying before it deletes. */
public class FaultyQueue implements EventQueue {

    private final EventQueue real;
    public volatile boolean crashBeforeDelete;

    public FaultyQueue(EventQueue real) {
        this.real = real;
    }

    @Override
    public void send(List<String> bodies) {
        real.send(bodies);
    }

    @Override
    public List<ReceivedMessage> receive(int max, Duration visibilityTimeout, Duration wait) {
        return real.receive(max, visibilityTimeout, wait);
    }

    @Override
    public void delete(List<ReceivedMessage> messages) {
        if (crashBeforeDelete) {
            throw new SimulatedCrash("process killed after insert, before delete");
        }
        real.delete(messages);
    }

    @Override
    public void release(List<ReceivedMessage> messages) {
        real.release(messages);
    }

    @Override
    public void deadLetter(ReceivedMessage message, String reason) {
        real.deadLetter(message, reason);
    }

    @Override
    public void deadLetter(String body, String reason) {
        real.deadLetter(body, reason);
    }

    @Override
    public int replayDeadLetters(int max) {
        return real.replayDeadLetters(max);
    }

    /** Stands for the process being killed at that point: nothing after it runs. */
    public static class SimulatedCrash extends RuntimeException {
        public SimulatedCrash(String message) {
            super(message);
        }
    }

    @Override
    public Depth depth() {
        return real.depth();
    }

    @Override
    public List<String> peekDeadLetters(int max, Duration hold) {
        return real.peekDeadLetters(max, hold);
    }
}

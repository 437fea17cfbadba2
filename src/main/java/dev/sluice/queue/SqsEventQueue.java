package dev.sluice.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.sluice.config.SluiceConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/** {@link EventQueue} on SQS, or anything that speaks its API (ElasticMQ locally and in tests). */
@ApplicationScoped
public class SqsEventQueue implements EventQueue {

    /** SQS takes at most 10 entries per batch call and returns at most 10 messages per receive. */
    static final int SQS_BATCH = 10;
    /** The message attribute that says why a message is in the dead-letter queue. */
    public static final String DLQ_REASON = "sluice-dlq-reason";

    private static final Logger LOG = Logger.getLogger(SqsEventQueue.class);

    private final SqsClient sqs;
    private final SluiceConfig.Queue config;
    private final Counter sendRequests;

    public SqsEventQueue(SqsClient sqs, SluiceConfig config, MeterRegistry registry) {
        this.sqs = sqs;
        this.config = config.queue();
        this.sendRequests = Counter.builder("sluice.queue.send.requests")
                .description("SendMessageBatch requests made, retries included (SQS bills per request)")
                .register(registry);
    }

    @Override
    public void send(List<String> bodies) {
        sendTo(config.url(), bodies);
    }

    private void sendTo(String queueUrl, List<String> bodies) {
        List<String> call = new ArrayList<>(SQS_BATCH);
        int callBytes = 0;
        for (String body : bodies) {
            int size = MessageCodec.utf8Length(body);
            if (!call.isEmpty() && (call.size() == SQS_BATCH || callBytes + size > config.maxBatchBytes())) {
                sendBatch(queueUrl, call);
                call = new ArrayList<>(SQS_BATCH);
                callBytes = 0;
            }
            call.add(body);
            callBytes += size;
        }
        if (!call.isEmpty()) {
            sendBatch(queueUrl, call);
        }
    }

    /**
     * One SendMessageBatch call. SQS may answer 200 with some entries in {@code Failed}; those are sent again, and
     * any still failing after the configured attempts (or failing by the sender's fault) fail the whole send.
     */
    private void sendBatch(String queueUrl, List<String> bodies) {
        List<SendMessageBatchRequestEntry> pending = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            pending.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(bodies.get(i))
                    .build());
        }
        for (int attempt = 1; ; attempt++) {
            SendMessageBatchResponse response;
            try {
                List<SendMessageBatchRequestEntry> entries = pending;
                sendRequests.increment();
                response = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
            } catch (SdkException e) {
                throw new QueueUnavailableException("queue unreachable: " + e.getMessage(), e);
            }
            if (!response.hasFailed() || response.failed().isEmpty()) {
                return;
            }
            List<String> failedIds = response.failed().stream().map(BatchResultErrorEntry::id).toList();
            BatchResultErrorEntry first = response.failed().get(0);
            boolean senderFault = response.failed().stream().anyMatch(BatchResultErrorEntry::senderFault);
            if (senderFault || attempt >= config.sendAttempts()) {
                throw new QueueUnavailableException("queue refused " + failedIds.size() + " message(s): "
                        + first.code() + " " + first.message(), null);
            }
            pending = pending.stream().filter(e -> failedIds.contains(e.id())).toList();
            pause(attempt);
        }
    }

    @Override
    public List<ReceivedMessage> receive(int max, Duration visibilityTimeout, Duration wait) {
        List<Message> messages;
        try {
            messages = sqs.receiveMessage(b -> b.queueUrl(config.url())
                    .maxNumberOfMessages(Math.min(SQS_BATCH, max))
                    .visibilityTimeout((int) visibilityTimeout.toSeconds())
                    .waitTimeSeconds((int) wait.toSeconds())
                    .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                            MessageSystemAttributeName.SENT_TIMESTAMP))
                    .messages();
        } catch (SdkException e) {
            throw new QueueUnavailableException("queue unreachable: " + e.getMessage(), e);
        }
        List<ReceivedMessage> received = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Map<MessageSystemAttributeName, String> attributes = m.attributes();
            received.add(new ReceivedMessage(m.messageId(), m.receiptHandle(), m.body(),
                    Integer.parseInt(attributes.getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                            "1")),
                    Long.parseLong(attributes.getOrDefault(MessageSystemAttributeName.SENT_TIMESTAMP, "0"))));
        }
        return received;
    }

    @Override
    public void delete(List<ReceivedMessage> messages) {
        deleteFrom(config.url(), messages);
    }

    private void deleteFrom(String queueUrl, List<ReceivedMessage> messages) {
        for (int from = 0; from < messages.size(); from += SQS_BATCH) {
            List<ReceivedMessage> slice = messages.subList(from, Math.min(messages.size(), from + SQS_BATCH));
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(slice.size());
            for (int i = 0; i < slice.size(); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(slice.get(i).receiptHandle()).build());
            }
            try {
                DeleteMessageBatchResponse response = sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl)
                        .entries(entries));
                if (response.hasFailed() && !response.failed().isEmpty()) {
                    LOG.warnf("%d message(s) not deleted, they will be redelivered and stored as duplicates: %s",
                            response.failed().size(), response.failed().get(0).message());
                }
            } catch (SdkException e) {
                LOG.warnf("delete failed, %d message(s) will be redelivered: %s", slice.size(), e.getMessage());
            }
        }
    }

    @Override
    public void deadLetter(ReceivedMessage message, String reason) {
        deadLetter(message.body(), reason);
        deleteFrom(config.url(), List.of(message));
    }

    @Override
    public void deadLetter(String body, String reason) {
        try {
            sqs.sendMessage(b -> b.queueUrl(config.dlqUrl()).messageBody(body)
                    .messageAttributes(Map.of(DLQ_REASON, MessageAttributeValue.builder().dataType("String")
                            .stringValue(reason).build())));
        } catch (SdkException e) {
            throw new QueueUnavailableException("dead-letter queue unreachable: " + e.getMessage(), e);
        }
    }

    @Override
    public int replayDeadLetters(int max) {
        int moved = 0;
        while (moved < max) {
            List<Message> messages;
            try {
                int want = Math.min(SQS_BATCH, max - moved);
                messages = sqs.receiveMessage(b -> b.queueUrl(config.dlqUrl()).maxNumberOfMessages(want)
                        .waitTimeSeconds(1)).messages();
            } catch (SdkException e) {
                throw new QueueUnavailableException("dead-letter queue unreachable: " + e.getMessage(), e);
            }
            if (messages.isEmpty()) {
                return moved;
            }
            sendTo(config.url(), messages.stream().map(Message::body).toList());
            deleteFrom(config.dlqUrl(), messages.stream()
                    .map(m -> new ReceivedMessage(m.messageId(), m.receiptHandle(), m.body(), 1, 0)).toList());
            moved += messages.size();
        }
        return moved;
    }

    @Override
    public Depth depth() {
        Map<QueueAttributeName, String> main = attributes(config.url(),
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
        Map<QueueAttributeName, String> dlq = attributes(config.dlqUrl(),
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
        return new Depth(count(main, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
                count(main, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
                count(dlq, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)
                        + count(dlq, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    private Map<QueueAttributeName, String> attributes(String queueUrl, QueueAttributeName... names) {
        try {
            return sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(names)).attributes();
        } catch (SdkException e) {
            throw new QueueUnavailableException("queue unreachable: " + e.getMessage(), e);
        }
    }

    private static long count(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
        return Long.parseLong(attributes.getOrDefault(name, "0"));
    }

    @Override
    public List<String> peekDeadLetters(int max, Duration hold) {
        List<Message> held = new ArrayList<>();
        try {
            while (held.size() < max) {
                int want = Math.min(SQS_BATCH, max - held.size());
                List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(config.dlqUrl())
                        .maxNumberOfMessages(want).visibilityTimeout((int) hold.toSeconds()).waitTimeSeconds(0))
                        .messages();
                if (messages.isEmpty()) {
                    break;
                }
                held.addAll(messages);
            }
            return held.stream().map(Message::body).toList();
        } catch (SdkException e) {
            throw new QueueUnavailableException("dead-letter queue unreachable: " + e.getMessage(), e);
        } finally {
            makeVisible(config.dlqUrl(), held.stream().map(Message::receiptHandle).toList());
        }
    }

    @Override
    public void release(List<ReceivedMessage> messages) {
        makeVisible(config.url(), messages.stream().map(ReceivedMessage::receiptHandle).toList());
    }

    /** Makes held messages visible again at once (they would anyway, after their visibility timeout). */
    private void makeVisible(String queueUrl, List<String> receiptHandles) {
        for (int from = 0; from < receiptHandles.size(); from += SQS_BATCH) {
            List<String> slice = receiptHandles.subList(from, Math.min(receiptHandles.size(), from + SQS_BATCH));
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>(slice.size());
            for (int i = 0; i < slice.size(); i++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(slice.get(i)).visibilityTimeout(0).build());
            }
            try {
                sqs.changeMessageVisibilityBatch(b -> b.queueUrl(queueUrl).entries(entries));
            } catch (SdkException e) {
                LOG.debugf("messages become visible after their visibility timeout instead: %s", e.getMessage());
            }
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(50L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QueueUnavailableException("interrupted while retrying a send", e);
        }
    }
}

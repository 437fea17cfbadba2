package dev.sluice.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;

import org.bson.Document;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Sorts;

import dev.sluice.config.SluiceConfig;
import dev.sluice.flush.FlushReport;
import dev.sluice.flush.Flusher;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.config.HeaderConfig;
import io.restassured.specification.RequestSpecification;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Base of the pipeline tests: every test starts with empty queues and collections, and reads what was stored
 * straight from MongoDB and the queues.
 */
@QuarkusTestResource(SluiceTestServers.class)
public abstract class PipelineTest {

    /** Resolved only when used: a test of the ingest role must not create a MongoDB client. */
    @Inject
    Instance<MongoClient> mongo;
    @Inject
    protected Instance<RedisDataSource> redis;
    @Inject
    protected SqsClient sqs;
    @Inject
    protected SluiceConfig config;
    @Inject
    protected Flusher flusher;

    /** Every request of a test carries the test key, unless the test sets its own Authorization header. */
    @BeforeEach
    void authenticateRequests() {
        RestAssured.config = RestAssured.config().headerConfig(HeaderConfig.headerConfig()
                .overwriteHeadersWithName(HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE));
        RestAssured.requestSpecification = new RequestSpecBuilder()
                .addHeader(HttpHeaders.AUTHORIZATION, "Bearer " + SluiceTestServers.KEY).build();
    }

    @BeforeEach
    void emptyQueuesAndCollections() {
        SluiceTestServers.sqsProxy().up();
        SluiceTestServers.mongoProxy().up();
        SluiceTestServers.redisProxy().up();
        drain(config.queue().url());
        drain(config.queue().dlqUrl());
        resetStorage();
    }

    /**
     * Empties the collections (keeping their indexes) and this run's Redis keys; a test of a role without MongoDB
     * overrides it.
     */
    protected void resetStorage() {
        MongoDatabase db = mongo.get().getDatabase(config.mongo().database());
        for (String name : List.of(config.mongo().aiUsageCollection(), config.mongo().analyticsCollection(),
                config.mongo().userDailyCollection(), config.mongo().userTotalsCollection(),
                config.mongo().platformDailyCollection(), config.mongo().resentCollection(),
                config.mongo().foldJournalCollection())) {
            db.getCollection(name).deleteMany(new Document());
        }
        List<String> keys = redis.get().key().keys(config.stats().keyPrefix() + "*");
        if (!keys.isEmpty()) {
            redis.get().key().del(keys.toArray(String[]::new));
        }
    }

    protected MongoClient mongoClient() {
        return mongo.get();
    }

    protected MongoCollection<Document> aiUsage() {
        return mongo.get().getDatabase(config.mongo().database()).getCollection(config.mongo().aiUsageCollection());
    }

    protected MongoCollection<Document> analytics() {
        return mongo.get().getDatabase(config.mongo().database()).getCollection(config.mongo().analyticsCollection());
    }

    protected static List<Document> all(MongoCollection<Document> collection) {
        return collection.find().sort(Sorts.ascending("_id")).into(new ArrayList<>());
    }

    /**
     * A request to the operational routes ({@code /q/health}, {@code /q/metrics}): the management port in the server
     * build, which serves them apart from the API, the application's port otherwise.
     */
    protected static RequestSpecification operations() {
        Config config = ConfigProvider.getConfig();
        if (!config.getOptionalValue("quarkus.management.enabled", Boolean.class).orElse(false)) {
            return RestAssured.given();
        }
        return RestAssured.given().port(config.getOptionalValue("quarkus.management.test-port", Integer.class)
                .orElse(9001));
    }

    protected FlushReport flush() {
        return flusher.flush();
    }

    /** Messages in the queue, visible or in flight. */
    protected int depth(String queueUrl) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    /** Receives every visible message of a queue (waiting up to a second), deleting none; each appears once. */
    protected List<Message> peek(String queueUrl) {
        Map<String, Message> seen = new LinkedHashMap<>();
        while (true) {
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .visibilityTimeout(1).waitTimeSeconds(1).messageAttributeNames("All")
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            int before = seen.size();
            got.forEach(m -> seen.putIfAbsent(m.messageId(), m));
            if (seen.size() == before) {
                return new ArrayList<>(seen.values());
            }
        }
    }

    /** Deletes everything in a queue, including messages that come back from flight within the wait. */
    protected void drain(String queueUrl) {
        while (true) {
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(depth(queueUrl) > 0 ? 3 : 0)).messages();
            if (got.isEmpty()) {
                return;
            }
            got.forEach(m -> sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle())));
        }
    }
}

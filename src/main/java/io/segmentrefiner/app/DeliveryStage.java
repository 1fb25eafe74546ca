package io.segmentrefiner.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.config.ConfigException;
import io.segmentrefiner.delivery.DeliveryEngine;
import io.segmentrefiner.delivery.DeliveryHealth;
import io.segmentrefiner.delivery.DeliverySettings;
import io.segmentrefiner.delivery.HttpRefinerApi;
import io.segmentrefiner.health.HealthPart;
import io.segmentrefiner.registry.ConfluentAvroSerde;
import io.segmentrefiner.registry.SchemaRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Delivery wired from the settings: a consumer of the requests and retry topics, a producer for retries and dead letters, Refiner's API. */
public final class DeliveryStage {

    private DeliveryStage() {
    }

    public static DeliveryEngine start(AppConfig config, MeterRegistry meters) throws ExecutionException, InterruptedException {
        DeliverySettings settings = StageSettings.delivery(config);
        requireEqualPartitions(config, settings);
        Map<String, Object> consumer = KafkaClientSettings.consumer(config);
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, GroupIds.delivery(config));
        // Partition i of the requests topic and of the retry topic go to the same member: a contact's line and its
        // requests are read by one reader. Range assignment gives that for topics of equal partition counts.
        consumer.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
        Map<String, Object> producer = KafkaClientSettings.producer(config);
        SchemaRegistry registry = TranslationStage.schemaRegistry(config);
        KafkaConsumer<byte[], byte[]> requests = new KafkaConsumer<>(consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> retriesAndDeadLetters = new KafkaProducer<>(producer, new ByteArraySerializer(), new ByteArraySerializer());
        new KafkaClientMetrics(requests).bindTo(meters);
        new KafkaClientMetrics(retriesAndDeadLetters).bindTo(meters);
        DeliveryEngine engine = new DeliveryEngine(settings, requests, retriesAndDeadLetters,
                new HttpRefinerApi(settings.apiUrl(), settings.apiKey(), settings.maxInFlight(), settings.requestTimeout(),
                        "segment-refiner/" + Version.current()),
                registry, new ConfluentAvroSerde<RefinerRequestRecord>(registry, RefinerRequestRecord.getClassSchema()).deserializer(),
                meters);
        engine.stopped().whenComplete((state, error) -> registry.close());
        engine.start();
        return engine;
    }

    /** The retry topic holds the lines of the requests topic's partitions, partition for partition. */
    private static void requireEqualPartitions(AppConfig config, DeliverySettings settings) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(KafkaClientSettings.admin(config))) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(settings.requestsTopic(), settings.retryTopic()))
                    .allTopicNames().get(30, TimeUnit.SECONDS);
            int requests = topics.get(settings.requestsTopic()).partitions().size();
            int retries = topics.get(settings.retryTopic()).partitions().size();
            if (requests != retries) {
                throw new ConfigException(AppConfig.RETRY_TOPIC, settings.retryTopic() + " has " + retries + " partitions and "
                        + settings.requestsTopic() + " has " + requests + "; the retry topic needs as many partitions as the requests topic");
            }
        } catch (TimeoutException e) {
            throw new ConfigException(AppConfig.BOOTSTRAP_SERVERS, "no broker at " + config.get(AppConfig.BOOTSTRAP_SERVERS)
                    + " answered within 30 s; is the address right and the cluster up?");
        }
    }

    /** Delivery as {@code /health} and {@code /ready} see it. */
    public static HealthPart healthOf(DeliveryEngine engine) {
        return new HealthPart() {
            @Override
            public String name() {
                return "delivery";
            }

            @Override
            public String state() {
                return engine.health().name();
            }

            @Override
            public Optional<String> failure() {
                return engine.health() == DeliveryHealth.FAILED ? engine.problem() : Optional.empty();
            }

            @Override
            public Optional<String> notReady() {
                return engine.health().healthy() ? Optional.empty() : engine.problem();
            }
        };
    }
}

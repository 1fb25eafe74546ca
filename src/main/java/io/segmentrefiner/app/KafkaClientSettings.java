package io.segmentrefiner.app;

import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.deadletter.DeadLetteringExceptionHandlers;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * What this project imposes on the Kafka clients it makes, over the Kafka settings as given. Here and not in
 * {@code config} because Kafka Streams' exception handlers are this project's dead-lettering.
 */
public final class KafkaClientSettings {

    private KafkaClientSettings() {
    }

    /**
     * The settings of this project's plain consumers: the Kafka settings a consumer takes, reading only what
     * translation committed (it writes in transactions), from the start when the group has no offset, committing
     * by hand.
     */
    public static Map<String, Object> consumer(AppConfig config) {
        Map<String, Object> consumer = settingsOf(config, ConsumerConfig.configNames());
        consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return consumer;
    }

    /**
     * The settings of this project's plain producers: the Kafka settings a producer takes, acknowledged by all
     * replicas and idempotent. Only Kafka Streams writes in transactions: a {@code transactional.id} meant for it
     * would make every send of these producers fail.
     */
    public static Map<String, Object> producer(AppConfig config) {
        Map<String, Object> producer = settingsOf(config, ProducerConfig.configNames());
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        producer.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        return producer;
    }

    /** The Kafka settings that an admin client takes. */
    public static Map<String, Object> admin(AppConfig config) {
        return settingsOf(config, AdminClientConfig.configNames());
    }

    /** The Kafka Streams settings: every Kafka key as given, over this project's defaults for Streams. */
    public static Properties streams(AppConfig config) {
        Properties streams = new Properties();
        streams.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.value(AppConfig.DLQ_TOPIC));
        streams.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandlers.Processing.class.getName());
        streams.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandlers.Production.class.getName());
        // No global tables here; this opts into Kafka 5.0's default and spares every start a warning about it.
        streams.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        streams.putAll(config.kafkaSettings());
        return streams;
    }

    private static Map<String, Object> settingsOf(AppConfig config, Set<String> names) {
        Map<String, Object> settings = new TreeMap<>();
        config.kafkaSettings().forEach((key, value) -> {
            if (names.contains(key)) {
                settings.put(key, value);
            }
        });
        return settings;
    }
}

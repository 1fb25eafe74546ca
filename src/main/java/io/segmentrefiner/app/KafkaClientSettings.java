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

    /**
     * How long the broker holds a fetch of the stream thread's consumer for {@link #MAIN_CONSUMER_FETCH_MIN_BYTES}
     * to arrive. At a trickle, Kafka's default (answer on the first byte) hands the stream thread a record or two per
     * poll, and every poll pays the thread's whole loop: batching for 20 ms at most took 40 to 50% off its CPU per
     * event at 1,000 events a second (docs/benchmarks.md). In bulk the bytes are there at once and nothing waits.
     */
    private static final String MAIN_CONSUMER_FETCH_MAX_WAIT_MS = "20";
    /** What the broker waits for, up to {@link #MAIN_CONSUMER_FETCH_MAX_WAIT_MS}: some 15 to 30 events of Segment JSON. */
    private static final String MAIN_CONSUMER_FETCH_MIN_BYTES = "16384";

    /** The Kafka Streams settings: every Kafka key as given, over this project's defaults for Streams. */
    public static Properties streams(AppConfig config) {
        Properties streams = new Properties();
        streams.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.value(AppConfig.DLQ_TOPIC));
        streams.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandlers.Processing.class.getName());
        streams.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandlers.Production.class.getName());
        // Exceptions in the global table's processing (the suppression list) go to the same handler: Kafka 5.0's
        // default, opted into, which spares every start a warning about it.
        streams.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        Map<String, String> given = config.kafkaSettings();
        defaultForMainConsumer(streams, given, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, MAIN_CONSUMER_FETCH_MAX_WAIT_MS);
        defaultForMainConsumer(streams, given, ConsumerConfig.FETCH_MIN_BYTES_CONFIG, MAIN_CONSUMER_FETCH_MIN_BYTES);
        streams.putAll(given);
        return streams;
    }

    /**
     * A default for the stream thread's consumer, unless the setting is given in any of the three spellings Streams
     * reads for it: a {@code main.consumer.} one would otherwise win over the user's plain or {@code consumer.} one.
     */
    private static void defaultForMainConsumer(Properties streams, Map<String, String> given, String key, String value) {
        if (!given.containsKey(key) && !given.containsKey(StreamsConfig.consumerPrefix(key))
                && !given.containsKey(StreamsConfig.mainConsumerPrefix(key))) {
            streams.put(StreamsConfig.mainConsumerPrefix(key), value);
        }
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

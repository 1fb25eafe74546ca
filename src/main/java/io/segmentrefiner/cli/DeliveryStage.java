package io.segmentrefiner.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.delivery.DeliveryEngine;
import io.segmentrefiner.delivery.DeliverySettings;
import io.segmentrefiner.delivery.HttpRefinerApi;
import io.segmentrefiner.registry.ConfluentAvroSerde;
import io.segmentrefiner.registry.SchemaRegistries;
import io.segmentrefiner.registry.SchemaRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.Map;

/** Delivery wired from the settings: a consumer of the requests and retry topics, a producer for retries and dead letters, Refiner's API. */
public final class DeliveryStage {

    private DeliveryStage() {
    }

    /** The consumer group of delivery: the application id with {@code -deliver}. */
    public static String groupId(AppConfig config) {
        return config.get("application.id") + "-deliver";
    }

    public static DeliveryEngine start(AppConfig config, MeterRegistry meters) {
        DeliverySettings settings = config.delivery();
        Map<String, Object> consumer = config.consumerProperties();
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, groupId(config));
        Map<String, Object> producer = config.producerProperties();
        SchemaRegistry registry = SchemaRegistries.connect(config.schemaRegistryUrl(), config.schemaRegistryUserInfo());
        KafkaConsumer<byte[], byte[]> requests = new KafkaConsumer<>(consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> retriesAndDeadLetters = new KafkaProducer<>(producer, new ByteArraySerializer(), new ByteArraySerializer());
        new KafkaClientMetrics(requests).bindTo(meters);
        new KafkaClientMetrics(retriesAndDeadLetters).bindTo(meters);
        DeliveryEngine engine = new DeliveryEngine(settings, requests, retriesAndDeadLetters,
                new HttpRefinerApi(settings.apiUrl(), settings.apiKey(), settings.maxInFlight(), settings.requestTimeout(),
                        "segment-refiner/" + SegmentRefiner.version()),
                new ConfluentAvroSerde<RefinerRequestRecord>(registry, RefinerRequestRecord.getClassSchema()).deserializer(),
                meters);
        engine.stopped().whenComplete((state, error) -> registry.close());
        engine.start();
        return engine;
    }
}

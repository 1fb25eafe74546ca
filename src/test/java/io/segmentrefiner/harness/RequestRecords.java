package io.segmentrefiner.harness;

import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.registry.ConfluentAvroSerde;
import io.segmentrefiner.registry.SchemaRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Request records as translation writes them: Avro in the Confluent wire format on a registry, keyed by contact. */
public final class RequestRecords {

    private RequestRecords() {
    }

    public static RefinerRequestRecord track(String messageId, String contact, String event) {
        return RefinerRequestRecord.newBuilder().setMessageId(messageId).setType("track").setMethod("POST")
                .setPath("/v1/track-event").setBody("{\"id\":\"" + contact + "\",\"event\":\"" + event + "\"}")
                .setReceivedAt(Instant.parse("2026-11-28T10:00:00Z")).build();
    }

    /** The contact a request is about: the {@code id} of its body. */
    public static String contactOf(String body) {
        return body.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
    }

    /** Writes the requests, in order, and waits for the broker to acknowledge them all. */
    public static void produce(String bootstrapServers, String topic, SchemaRegistry registry, List<RefinerRequestRecord> requests) {
        ConfluentAvroSerde<RefinerRequestRecord> serde = new ConfluentAvroSerde<>(registry, RefinerRequestRecord.getClassSchema());
        try (KafkaProducer<String, RefinerRequestRecord> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), serde.serializer())) {
            for (RefinerRequestRecord request : requests) {
                producer.send(new ProducerRecord<>(topic, contactOf(request.getBody()), request));
            }
            producer.flush();
        }
    }
}

package io.segmentrefiner.app;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.refiner.Contact;
import io.segmentrefiner.refiner.SuppressionEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

/**
 * What operators do with the suppression list: forget a user (a {@code delete} call on the input topic, which
 * translation turns into Refiner's {@code DELETE /v1/contact} and an entry on the list), suppress one without
 * deleting them (an entry written on the list's topic itself), and read the list.
 */
public final class SuppressionListClient {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final AppConfig config;
    private final Clock clock;

    public SuppressionListClient(AppConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /**
     * The {@code delete} call for a user, as a team's privacy tooling sends it, keyed by the user id so that it
     * follows the user's earlier events on their partition. Returns the call as sent.
     */
    public String forget(String userId, Optional<String> email) throws ExecutionException, InterruptedException {
        ObjectNode call = JsonNodeFactory.instance.objectNode()
                .put("type", "delete")
                .put("userId", userId)
                .put("messageId", "forget-" + UUID.randomUUID())
                .put("timestamp", Instant.now(clock).toString());
        email.ifPresent(address -> call.putObject("context").putObject("traits").put("email", address));
        String json = call.toString();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClientSettings.producer(config), new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(StageSettings.topics(config).input(), userId, json.getBytes(StandardCharsets.UTF_8))).get();
        }
        return json;
    }

    /** Puts the user on the list under each of their keys, without a call to Refiner. Returns the keys written. */
    public List<String> suppress(String userId, Optional<String> email) throws ExecutionException, InterruptedException {
        SuppressionEntry entry = SuppressionEntry.of(new Contact(Optional.of(userId), email), Instant.now(clock), Optional.empty());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(KafkaClientSettings.producer(config), new StringSerializer(),
                new StringSerializer())) {
            for (String key : entry.keys()) {
                producer.send(new ProducerRecord<>(StageSettings.topics(config).suppressions(), key, entry.toJson())).get();
            }
        }
        return entry.keys();
    }

    /** The users on the list now, each once (an entry is listed under its user id and its email), in the order listed. */
    public List<SuppressionEntry> list() {
        Map<String, String> byKey = new LinkedHashMap<>();
        Map<String, Object> settings = KafkaClientSettings.consumer(config);
        settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new StringDeserializer())) {
            String topic = StageSettings.topics(config).suppressions();
            List<TopicPartition> partitions = consumer.partitionsFor(topic, READ_TIMEOUT).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, READ_TIMEOUT);
            Instant deadline = Instant.now(clock).plus(READ_TIMEOUT);
            while (partitions.stream().anyMatch(partition -> consumer.position(partition) < ends.get(partition))) {
                if (Instant.now(clock).isAfter(deadline)) {
                    throw new IllegalStateException("the suppression list " + topic + " was not read to its end within " + READ_TIMEOUT.toSeconds() + " s");
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() == null) {
                        byKey.remove(record.key());
                    } else {
                        byKey.put(record.key(), record.value());
                    }
                }
            }
        }
        List<SuppressionEntry> users = new ArrayList<>();
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        byKey.forEach((key, value) -> {
            SuppressionEntry entry = SuppressionEntry.parse(key, value);
            if (seen.add(entry.keys().toString())) {
                users.add(entry);
            }
        });
        return users;
    }
}

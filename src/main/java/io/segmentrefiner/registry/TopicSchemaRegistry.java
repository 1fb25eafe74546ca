package io.segmentrefiner.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The registry of {@code schema.registry.url=kafka://<topic>}: schemas kept in a compacted single-partition topic on
 * the pipeline's own brokers, the way Confluent's registry keeps them in {@code _schemas}, so that the ids written
 * into records stay known across restarts. The records have the layout of Confluent's and Redpanda's own schemas
 * topic: key {@code {"keytype":"SCHEMA","subject":S,"version":V,"magic":1}}, value
 * {@code {"subject":S,"version":V,"id":N,"schema":"...","deleted":false}}.
 *
 * <p>Reads catch up with the topic's end before they answer, so an id registered by another process is found. New
 * ids are the highest known plus one: meant for one writing process (the embedded default); a fleet of writers
 * wants a real registry. An unreachable broker is a {@linkplain SchemaRegistryException#retriable() retriable}
 * failure; an id the topic does not hold is a 404.
 */
public final class TopicSchemaRegistry implements SchemaRegistry {

    public static final String SCHEME = "kafka://";

    private record Version(String subject, int version) {
    }

    private final String topic;
    private final TopicPartition partition;
    private final Optional<Short> replicationFactor;
    private final Map<String, Object> adminSettings;
    private final Duration timeout;
    private final KafkaConsumer<byte[], byte[]> reader;
    private final KafkaProducer<byte[], byte[]> writer;
    private final ObjectMapper json = new ObjectMapper();

    // Guarded by this.
    private final Map<Integer, Schema> schemas = new HashMap<>();
    private final Map<Schema, Integer> ids = new HashMap<>();
    private final Map<Version, Integer> versions = new HashMap<>();
    private boolean topicReady;
    private long position;

    private TopicSchemaRegistry(String topic, Map<String, Object> clientSettings, Optional<Short> replicationFactor, Duration timeout) {
        this.topic = topic;
        this.partition = new TopicPartition(topic, 0);
        this.replicationFactor = replicationFactor;
        this.timeout = timeout;
        this.adminSettings = only(clientSettings, AdminClientConfig.configNames());
        Map<String, Object> consumer = only(clientSettings, ConsumerConfig.configNames());
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, "segment-refiner-schemas-reader");
        consumer.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumer.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        Map<String, Object> producer = only(clientSettings, ProducerConfig.configNames());
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, "segment-refiner-schemas-writer");
        producer.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        this.reader = new KafkaConsumer<>(consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.writer = new KafkaProducer<>(producer, new ByteArraySerializer(), new ByteArraySerializer());
        reader.assign(List.of(partition));
        reader.seekToBeginning(List.of(partition));
    }

    /**
     * @param clientSettings    the brokers and their security settings, as Kafka clients take them
     * @param replicationFactor of the topic when it has to be created; empty for the broker's default
     * @param timeout           how long one call may wait for the brokers
     */
    public static TopicSchemaRegistry connect(String topic, Map<String, Object> clientSettings, Optional<Short> replicationFactor,
                                              Duration timeout) {
        if (topic.isBlank()) {
            throw new IllegalArgumentException("kafka:// names no topic: write kafka://_schemas");
        }
        return new TopicSchemaRegistry(topic, clientSettings, replicationFactor, timeout);
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        catchUp("register a schema under subject " + subject);
        Integer known = ids.get(schema);
        boolean inSubject = known != null && versions.entrySet().stream()
                .anyMatch(v -> v.getKey().subject().equals(subject) && v.getValue().equals(known));
        if (inSubject) {
            return known;
        }
        int id = known != null ? known : schemas.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        int version = versions.keySet().stream().filter(v -> v.subject().equals(subject))
                .mapToInt(Version::version).max().orElse(0) + 1;
        write(subject, version, id, schema);
        remember(subject, version, id, schema);
        return id;
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemas.get(id);
        if (schema != null) {
            return schema;
        }
        catchUp("fetch schema " + id);
        schema = schemas.get(id);
        if (schema == null) {
            throw new SchemaRegistryException("Schema " + id + " not found in topic " + topic, 404, false, null);
        }
        return schema;
    }

    /** Reads the topic up to its end as it is now. */
    private void catchUp(String what) {
        try {
            ensureTopic();
            long end = reader.endOffsets(List.of(partition), timeout).getOrDefault(partition, 0L);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (position < end) {
                if (System.nanoTime() > deadline) {
                    throw new org.apache.kafka.common.errors.TimeoutException("read " + position + " of " + end + " records");
                }
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(100))) {
                    apply(record);
                    position = record.offset() + 1;
                }
                position = Math.max(position, reader.position(partition, timeout));
            }
        } catch (KafkaException e) {
            throw unreachable(what, e);
        }
    }

    private void ensureTopic() {
        if (topicReady) {
            return;
        }
        try (Admin admin = Admin.create(adminSettings)) {
            NewTopic schemasTopic = new NewTopic(topic, Optional.of(1), replicationFactor)
                    .configs(Map.of("cleanup.policy", "compact"));
            admin.createTopics(List.of(schemasTopic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new KafkaException("cannot create topic " + topic + ": " + e.getCause(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new org.apache.kafka.common.errors.TimeoutException("creating topic " + topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted creating topic " + topic, e);
        }
        topicReady = true;
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        try {
            JsonNode key = record.key() == null ? null : json.readTree(record.key());
            if (key == null || !"SCHEMA".equals(key.path("keytype").asText())) {
                return; // NOOP, CONFIG and other records of a Confluent registry say nothing about ids
            }
            Version version = new Version(key.path("subject").asText(), key.path("version").asInt());
            if (record.value() == null) {
                versions.remove(version);
                return;
            }
            JsonNode value = json.readTree(record.value());
            if (value.path("deleted").asBoolean(false)) {
                versions.remove(version);
                return;
            }
            remember(version.subject(), version.version(), value.path("id").asInt(), new Schema.Parser().parse(value.path("schema").asText()));
        } catch (IOException | RuntimeException notASchema) {
            // A record this registry cannot read defines no id it could answer for.
        }
    }

    private void remember(String subject, int version, int id, Schema schema) {
        schemas.putIfAbsent(id, schema);
        ids.putIfAbsent(schema, id);
        versions.put(new Version(subject, version), id);
    }

    private void write(String subject, int version, int id, Schema schema) {
        ObjectNode key = json.createObjectNode().put("keytype", "SCHEMA").put("subject", subject).put("version", version).put("magic", 1);
        ObjectNode value = json.createObjectNode().put("subject", subject).put("version", version).put("id", id)
                .put("schema", schema.toString()).put("deleted", false);
        try {
            writer.send(new ProducerRecord<>(topic, 0, bytes(key), bytes(value))).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unreachable("register a schema under subject " + subject, e.getCause());
        } catch (TimeoutException e) {
            throw unreachable("register a schema under subject " + subject, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable("register a schema under subject " + subject, e);
        }
    }

    private byte[] bytes(ObjectNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    private SchemaRegistryException unreachable(String what, Throwable cause) {
        return new SchemaRegistryException("Schema topic " + topic + " could not be read or written to " + what + ": " + cause, 0, true, cause);
    }

    private static Map<String, Object> only(Map<String, Object> settings, Set<String> names) {
        Map<String, Object> kept = new HashMap<>();
        settings.forEach((key, value) -> {
            if (names.contains(key)) {
                kept.put(key, value);
            }
        });
        return kept;
    }

    @Override
    public synchronized void close() {
        reader.close();
        writer.close(Duration.ofSeconds(5));
    }
}

package io.segmentrefiner.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.deadletter.TextHeaders;
import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.deadletter.DeadLetterHeaders;
import io.segmentrefiner.harness.ApicurioRegistryProcess;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.TopicReader;
import io.segmentrefiner.registry.ConfluentAvroSerde;
import io.segmentrefiner.registry.HttpSchemaRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The translation on a real Kafka broker (a child JVM, KRaft) with a real schema registry (Apicurio): raw events
 * in, Avro requests read back through the registry, dead letters with their headers.
 */
@ExtendWith(RealInfrastructure.class)
class TranslationIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final ObjectMapper json = new ObjectMapper();
    private KafkaBrokerProcess broker;
    private ApicurioRegistryProcess registry;
    private AppConfig config;
    private TranslationStage pipeline;

    @BeforeEach
    void configure(KafkaBrokerProcess broker, ApicurioRegistryProcess registry) {
        this.broker = broker;
        this.registry = registry;
        Map<String, String> settings = PipelineSettings.forRun("translation-it", broker);
        settings.put(AppConfig.SCHEMA_REGISTRY_URL.key(), registry.url());
        config = AppConfig.of(settings);
    }

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private void produce(List<String[]> keyedValues) throws Exception {
        Map<String, Object> producerConfig = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String[] keyed : keyedValues) {
                producer.send(new ProducerRecord<>(StageSettings.topics(config).input(), keyed[0].getBytes(StandardCharsets.UTF_8),
                        keyed[1].getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    private void startPipeline() throws Exception {
        pipeline = TranslationStage.start(config);
        Await.until("Kafka Streams to run", TIMEOUT, () -> pipeline.streams().state() == KafkaStreams.State.RUNNING);
    }

    @Test
    void rawEventsBecomeAvroRequestsAndDeadLetters() throws Exception {
        startPipeline();
        produce(List.of(
                new String[]{"anon-1", """
                        {"type":"identify","messageId":"id-1","userId":"u-1","receivedAt":"2026-11-28T09:00:00Z",
                         "traits":{"email":"ann@example.com","plan":"pro","address":{"city":"Lyon"}},
                         "context":{"library":{"name":"analytics.js","version":"4.1.0"},"traits":{"company":"Acme"}}}"""},
                new String[]{"anon-1", """
                        {"type":"group","messageId":"gr-1","userId":"u-1","groupId":"acme","traits":{"name":"Acme","employees":42}}"""},
                new String[]{"anon-1", """
                        {"type":"track","messageId":"tr-1","userId":"u-1","event":"Survey Answered","properties":{"score":9}}"""},
                new String[]{"anon-2", """
                        {"type":"page","messageId":"pg-1","properties":{"email":"bo@example.com"},"name":"Pricing"}"""},
                new String[]{"anon-3", """
                        {"type":"screen","messageId":"sc-1","userId":"u-3","name":"Home"}"""},
                new String[]{"anon-3", """
                        {"type":"track","messageId":"off-1","userId":"u-3","event":"E","integrations":{"Refiner":false}}"""},
                new String[]{"anon-4", "{this is not json"},
                new String[]{"anon-5", """
                        {"type":"track","messageId":"anon-only","anonymousId":"a-5","event":"Visited"}"""},
                new String[]{"batch", """
                        {"batch":[{"type":"track","messageId":"b-1","event":"Opened"},
                                  {"type":"group","messageId":"b-2"}],
                         "context":{"traits":{"userId":"u-9"}},"integrations":{"All":false,"Refiner":true}}"""}));

        HttpSchemaRegistry reader = HttpSchemaRegistry.connect(registry.url(), Optional.empty());
        ConfluentAvroSerde<RefinerRequestRecord> serde = new ConfluentAvroSerde<>(reader, RefinerRequestRecord.getClassSchema());
        List<ConsumerRecord<String, byte[]>> raw = TopicReader.read(broker.bootstrapServers(), StageSettings.topics(config).requests(), 5,
                TIMEOUT, new StringDeserializer(), new ByteArrayDeserializer());
        assertThat(raw).hasSize(5);
        Map<String, ConsumerRecord<String, byte[]>> byMessageId = new HashMap<>();
        Map<String, RefinerRequestRecord> requests = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> record : raw) {
            assertThat(record.value()[0]).as("Confluent magic byte").isZero();
            RefinerRequestRecord request = serde.deserializer().deserialize(record.topic(), record.value());
            requests.put(request.getMessageId(), request);
            byMessageId.put(request.getMessageId(), record);
        }
        assertThat(requests.keySet()).containsExactlyInAnyOrder("id-1", "gr-1", "tr-1", "pg-1", "b-1");
        assertThat(body(requests.get("id-1"))).isEqualTo(json.readTree("""
                {"id":"u-1","email":"ann@example.com","company":"Acme","plan":"pro","address_city":"Lyon"}"""));
        assertThat(requests.get("id-1").getReceivedAt()).isEqualTo(java.time.Instant.parse("2026-11-28T09:00:00Z"));
        assertThat(body(requests.get("gr-1"))).isEqualTo(json.readTree("""
                {"id":"u-1","account":{"id":"acme","name":"Acme","employees":42}}"""));
        assertThat(body(requests.get("tr-1"))).isEqualTo(json.readTree("""
                {"id":"u-1","event":"Survey Answered"}"""));
        assertThat(body(requests.get("pg-1"))).isEqualTo(json.readTree("""
                {"email":"bo@example.com","event":"pageview"}"""));
        assertThat(body(requests.get("b-1"))).isEqualTo(json.readTree("""
                {"id":"u-9","event":"Opened"}"""));
        assertThat(byMessageId.get("pg-1").key()).isEqualTo("bo@example.com");
        assertThat(byMessageId.get("b-1").key()).isEqualTo("u-9");
        // The three requests of u-1 share a partition, in the order they were produced.
        List<String> u1 = raw.stream().filter(r -> r.key().equals("u-1"))
                .sorted(java.util.Comparator.comparingLong(ConsumerRecord::offset))
                .map(r -> serde.deserializer().deserialize(r.topic(), r.value()).getMessageId()).toList();
        assertThat(u1).containsExactly("id-1", "gr-1", "tr-1");
        assertThat(raw.stream().filter(r -> r.key().equals("u-1")).map(ConsumerRecord::partition).distinct()).hasSize(1);
        // The writer's schema is registered under <topic>-value, and the records name it.
        int id = ByteBuffer.wrap(raw.get(0).value(), 1, 4).getInt();
        assertThat(reader.register(StageSettings.topics(config).requests() + "-value", RefinerRequestRecord.getClassSchema())).isEqualTo(id);

        List<ConsumerRecord<byte[], byte[]>> deadLetters = TopicReader.read(broker.bootstrapServers(), StageSettings.topics(config).deadLetters(),
                3, TIMEOUT, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Map<String, String> reasons = deadLetters.stream().collect(Collectors.toMap(
                r -> new String(r.key(), StandardCharsets.UTF_8) + "|" + TextHeaders.read(r.headers(), DeadLetterHeaders.REASON).orElseThrow(),
                r -> new String(r.value(), StandardCharsets.UTF_8)));
        assertThat(reasons.keySet()).containsExactlyInAnyOrder("anon-4|INVALID_JSON", "anon-5|MISSING_IDENTITY", "batch|MISSING_GROUP_ID");
        assertThat(reasons.get("anon-4|INVALID_JSON")).isEqualTo("{this is not json");
        assertThat(json.readTree(reasons.get("batch|MISSING_GROUP_ID"))).isEqualTo(json.readTree("""
                {"type":"group","messageId":"b-2","context":{"traits":{"userId":"u-9"}},"integrations":{"All":false,"Refiner":true}}"""));
        for (ConsumerRecord<byte[], byte[]> deadLetter : deadLetters) {
            assertThat(TextHeaders.read(deadLetter.headers(), DeadLetterHeaders.STAGE)).contains("translate");
            assertThat(TextHeaders.read(deadLetter.headers(), DeadLetterHeaders.ORIGIN_TOPIC)).contains(StageSettings.topics(config).input());
            assertThat(TextHeaders.read(deadLetter.headers(), DeadLetterHeaders.ORIGIN_PARTITION)).isPresent();
            assertThat(TextHeaders.read(deadLetter.headers(), DeadLetterHeaders.ORIGIN_OFFSET)).isPresent();
        }
        assertThat(skipped("UNSUPPORTED_TYPE")).isEqualTo(1.0);
        assertThat(skipped("DISABLED")).isEqualTo(1.0);
    }

    /** A clean stop leaves the group: the next instance does not wait out the stopped one's session. */
    @Test
    void aStoppedPipelinesPartitionsAreTakenOverWithoutWaitingForItsSession() throws Exception {
        config = config.with("session.timeout.ms", Long.toString(TIMEOUT.plusSeconds(30).toMillis()));
        startPipeline();
        produce(List.<String[]>of(new String[]{"a", """
                {"type":"track","messageId":"first","userId":"u-1","event":"Opened"}"""}));
        TopicReader.read(broker.bootstrapServers(), StageSettings.topics(config).requests(), 1, TIMEOUT, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        pipeline.close();

        startPipeline();
        produce(List.<String[]>of(new String[]{"a", """
                {"type":"track","messageId":"second","userId":"u-1","event":"Closed"}"""}));

        assertThat(TopicReader.read(broker.bootstrapServers(), StageSettings.topics(config).requests(), 2, TIMEOUT,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())).hasSize(2);
    }

    @Test
    void runCreatesTheDeclaredTopicsWithTheirPartitionsAndConfigs() throws Exception {
        startPipeline();

        try (var admin = org.apache.kafka.clients.admin.Admin.create(KafkaClientSettings.admin(config))) {
            List<String> names = List.of(StageSettings.topics(config).input(), StageSettings.topics(config).requests(), StageSettings.topics(config).deadLetters());
            var descriptions = admin.describeTopics(names).allTopicNames().get();
            assertThat(descriptions.values()).allSatisfy(d -> assertThat(d.partitions()).hasSize(3));
            var resource = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC,
                    StageSettings.topics(config).deadLetters());
            var configs = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(configs.get("retention.ms").value()).isEqualTo(Long.toString(30L * 24 * 60 * 60 * 1000));
        }
    }

    private JsonNode body(RefinerRequestRecord request) throws Exception {
        return json.readTree(request.getBody());
    }

    private double skipped(String reason) {
        List<Double> values = new ArrayList<>();
        pipeline.streams().metrics().forEach((name, metric) -> {
            if (name.name().equals("skipped-total") && reason.equals(name.tags().get("segment-refiner-id"))) {
                values.add((Double) metric.metricValue());
            }
        });
        return values.stream().mapToDouble(Double::doubleValue).sum();
    }
}

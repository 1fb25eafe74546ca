package io.segmentrefiner.registry;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.deadletter.TextHeaders;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.app.DeliveryStage;
import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.deadletter.DeadLetterHeaders;
import io.segmentrefiner.delivery.DeliveryEngine;
import io.segmentrefiner.delivery.DeliveryHealth;
import io.segmentrefiner.harness.ApicurioRegistryProcess;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RequestRecords;
import io.segmentrefiner.harness.RunningApplication;
import io.segmentrefiner.harness.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The schema registry away: a real Apicurio, keeping its schemas in a file, stopped (its port refuses connections)
 * or hung (SIGSTOP: connections accepted, nothing answered) while translation and delivery start. Neither ends, nor
 * dead-letters anything; both say why they wait, and go on by themselves once the registry answers.
 */
@ExtendWith(RealInfrastructure.class)
class RegistryOutageIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static ApicurioRegistryProcess registry;

    private KafkaBrokerProcess broker;
    private RefinerStub stub;
    private final List<AutoCloseable> running = new ArrayList<>();

    @BeforeAll
    static void startRegistry() {
        registry = ApicurioRegistryProcess.startDurable(RealInfrastructure.workDir("durable-apicurio"));
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @BeforeEach
    void setUp(KafkaBrokerProcess broker) {
        this.broker = broker;
        stub = RefinerStub.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : running) {
            closeable.close();
        }
        stub.close();
        registry.resume();
        if (!registry.isAlive() || !answers()) {
            registry.restart();
        }
    }

    private static boolean answers() {
        try (HttpSchemaRegistry client = HttpSchemaRegistry.connect(registry.url(), Optional.empty())) {
            client.schemaById(Integer.MAX_VALUE);
            return true;
        } catch (SchemaRegistryException e) {
            return !e.retriable();
        }
    }

    private AppConfig delivering(String name) throws Exception {
        AppConfig config = AppConfig.of(PipelineSettings.forRun(name, broker, registry.url(), stub.url(), "rk_registry_outage"));
        TranslationStage.createMissingTopics(config);
        return config;
    }

    /** Requests written while the registry answers, so that their schema id is one it knows. */
    private Set<String> requestsWaiting(AppConfig config, int count) {
        List<RefinerRequestRecord> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(RequestRecords.track("r-" + i, "contact-" + (i % 25), "E" + i));
        }
        try (HttpSchemaRegistry writer = HttpSchemaRegistry.connect(registry.url(), Optional.empty())) {
            RequestRecords.produce(broker.bootstrapServers(), StageSettings.topics(config).requests(), writer, requests);
        }
        return requests.stream().map(RefinerRequestRecord::getMessageId).collect(Collectors.toSet());
    }

    private Set<String> delivered() {
        return stub.delivered().stream().map(RefinerStub.Received::idempotencyKey).collect(Collectors.toSet());
    }

    @Test
    void deliveryStartedWhileTheRegistryIsStoppedWaitsAndDeliversEverythingOnceItIsBack() throws Exception {
        AppConfig config = delivering("registry-stopped");
        Set<String> waiting = requestsWaiting(config, 200);
        registry.stop();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        DeliveryEngine engine = DeliveryStage.start(config, meters);
        running.add(engine);

        Await.until("delivery to say it waits for the registry", TIMEOUT, () -> engine.health() == DeliveryHealth.WAITING_FOR_REGISTRY);
        assertThat(engine.problem()).hasValueSatisfying(problem -> assertThat(problem).contains("schema registry").contains("refused"));
        assertThat(meters.get("refiner.delivery.registry.waiting").gauge().value()).isPositive();
        assertThat(stub.received()).isEmpty();
        assertThat(TopicReader.endOffsets(broker.bootstrapServers(), StageSettings.topics(config).deadLetters())).as("nothing dead-lettered").isZero();

        registry.restart();

        Await.until("every request delivered", TIMEOUT, () -> delivered().equals(waiting));
        assertThat(engine.health()).isEqualTo(DeliveryHealth.RUNNING);
        assertThat(TopicReader.endOffsets(broker.bootstrapServers(), StageSettings.topics(config).deadLetters())).as("nothing dead-lettered").isZero();
    }

    @Test
    void deliveryStartedWhileTheRegistryHangsWaitsAndDeliversEverythingOnceItAnswers() throws Exception {
        AppConfig config = delivering("registry-hung");
        Set<String> waiting = requestsWaiting(config, 200);
        registry.hang();
        DeliveryEngine engine = DeliveryStage.start(config, new SimpleMeterRegistry());
        running.add(engine);

        Await.until("delivery to say it waits for the registry", TIMEOUT, () -> engine.health() == DeliveryHealth.WAITING_FOR_REGISTRY);
        assertThat(stub.received()).isEmpty();

        registry.resume();

        Await.until("every request delivered", TIMEOUT, () -> delivered().equals(waiting));
        assertThat(TopicReader.endOffsets(broker.bootstrapServers(), StageSettings.topics(config).deadLetters())).as("nothing dead-lettered").isZero();
    }

    @Test
    void translationWaitsAliveForTheRegistryAndTranslatesEachEventOnceThroughItsOutages() throws Exception {
        Map<String, String> settings = PipelineSettings.forRun("registry-translate", broker, registry.url(), stub.url(), "rk_unused");
        AppConfig config = AppConfig.of(settings);
        registry.stop();
        RunningApplication translation = RunningApplication.start("translate", RealInfrastructure.workDir("registry-translate"),
                settings, Map.of(), "--role", "translate");
        running.add(translation);
        translation.awaitStarted(TIMEOUT);
        produceEvents(config, "before", 40);

        RunningApplication.Answer notReady = Await.until("/ready to say why", TIMEOUT, () -> {
            RunningApplication.Answer ready = translation.get("/ready");
            return ready.status() == 503 && ready.body().contains("waiting for the schema registry") ? ready : null;
        });
        assertThat(notReady.body()).contains("WAITING_FOR_REGISTRY");
        assertThat(translation.get("/health").status()).as("live: a restart would not bring the registry back").isEqualTo(200);
        assertThat(TopicReader.endOffsets(broker.bootstrapServers(), StageSettings.topics(config).requests())).isZero();

        registry.restart();
        Await.until("every event translated", TIMEOUT, () -> committedRequests(config) == 40);
        Await.until("ready", TIMEOUT, () -> translation.get("/ready").status() == 200);

        // Once it has the id, an outage of the registry changes nothing.
        registry.stop();
        produceEvents(config, "during", 40);
        Await.until("the later events translated too", TIMEOUT, () -> committedRequests(config) == 80);
        translation.assertAlive();
        assertThat(translation.logText()).doesNotContain("Kafka Streams stopped");
        List<ConsumerRecord<byte[], byte[]>> deadLetters = TopicReader.read(broker.bootstrapServers(), StageSettings.topics(config).deadLetters(), 2,
                TIMEOUT, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        assertThat(deadLetters).as("the two events that are not JSON, each once; no outage is a dead letter").hasSize(2)
                .allSatisfy(deadLetter -> assertThat(TextHeaders.read(deadLetter.headers(), DeadLetterHeaders.REASON)).contains("INVALID_JSON"));
    }

    /** {@code count} track events, and one that is not JSON. */
    private void produceEvents(AppConfig config, String prefix, int count) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(StageSettings.topics(config).input(), "u-" + i, "{\"type\":\"track\",\"messageId\":\"" + prefix + "-" + i
                        + "\",\"userId\":\"u-" + i + "\",\"event\":\"E\"}"));
            }
            producer.send(new ProducerRecord<>(StageSettings.topics(config).input(), "bad", "{not json")).get();
        }
    }

    /** Requests committed by translation's transactions: read as delivery reads them, each once. */
    private long committedRequests(AppConfig config) {
        return TopicReader.countCommitted(broker.bootstrapServers(), StageSettings.topics(config).requests());
    }
}

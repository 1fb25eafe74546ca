package io.segmentrefiner.delivery;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.app.DeliveryStage;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.ApicurioRegistryProcess;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.ChildProcess;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RefinerStub.Answer;
import io.segmentrefiner.harness.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole pipeline under faults, on a real broker and registry, to a real HTTP stub: raw Segment events in,
 * requests at the stub and dead letters out, reconciled by messageId.
 */
@ExtendWith(RealInfrastructure.class)
class DeliveryFaultIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final Path JAR = Path.of("target", "segment-refiner.jar");

    private KafkaBrokerProcess broker;
    private RefinerStub stub;
    private Map<String, String> settings;
    private AppConfig config;
    private final List<AutoCloseable> running = new ArrayList<>();

    @BeforeEach
    void setUp(KafkaBrokerProcess broker, ApicurioRegistryProcess registry) {
        this.broker = broker;
        stub = RefinerStub.start();
        settings = PipelineSettings.forRun("fault-it", broker, registry.url(), stub.url(), "rk_fault_test");
        config = AppConfig.of(settings);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : running) {
            closeable.close();
        }
        stub.close();
    }

    /** Raw Segment track events with unique messageIds over 100 contacts, and every tenth one without identity. */
    private Set<String> produceEvents(int count, String prefix) throws Exception {
        Set<String> ids = new HashSet<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 10),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                String messageId = prefix + "-" + i;
                ids.add(messageId);
                String contact = "user-" + (i % 100);
                String event = i % 10 == 9
                        ? "{\"type\":\"track\",\"messageId\":\"" + messageId + "\",\"anonymousId\":\"a-" + i + "\",\"event\":\"E\"}"
                        : "{\"type\":\"track\",\"messageId\":\"" + messageId + "\",\"userId\":\"" + contact + "\",\"event\":\"Event " + i + "\"}";
                producer.send(new ProducerRecord<>(StageSettings.topics(config).input(), contact, event));
            }
            producer.flush();
        }
        return ids;
    }

    private Set<String> deadLetteredMessageIds(int atLeast) {
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.read(broker.bootstrapServers(), StageSettings.topics(config).deadLetters(),
                atLeast, TIMEOUT, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return records.stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8).replaceAll(".*\"messageId\":\"([^\"]+)\".*", "$1"))
                .collect(Collectors.toSet());
    }

    private Set<String> deliveredMessageIds() {
        return stub.delivered().stream().map(RefinerStub.Received::idempotencyKey).collect(Collectors.toSet());
    }

    private ChildProcess startApplication(Path work, String log) throws IOException {
        Path file = work.resolve("refiner.properties");
        Properties properties = new Properties();
        properties.putAll(settings);
        try (Writer writer = Files.newBufferedWriter(file)) {
            properties.store(writer, null);
        }
        ChildProcess app = ChildProcess.start("segment-refiner", List.of(ChildProcess.currentJava().toString(), "-Xmx768m",
                "-jar", JAR.toAbsolutePath().toString(), "run", "--config", file.toString()), Map.of(), work, work.resolve(log));
        running.add(app);
        Await.until("the application to deliver", TIMEOUT, () -> {
            app.assertAlive();
            return app.logText().contains("Delivering ");
        });
        return app;
    }

    @Test
    void sigkillWhileHundredsAreInFlightLosesNothing() throws Exception {
        stub.answer(request -> Answer.ok().after(Duration.ofMillis(100)));
        Path work = RealInfrastructure.workDir("sigkill");
        ChildProcess app = startApplication(work, "app-1.log");
        int events = 3000;
        Set<String> produced = produceEvents(events, "k");

        Await.until("deliveries under way", TIMEOUT, () -> stub.received().size() >= 600);
        int receivedBeforeKill = stub.received().size();
        app.kill();
        assertThat(receivedBeforeKill).isLessThan(events * 9 / 10);
        startApplication(work, "app-2.log");

        Await.until("every event delivered or dead-lettered", TIMEOUT,
                () -> deliveredMessageIds().size() == events * 9 / 10);
        Set<String> deadLettered = deadLetteredMessageIds(events / 10);
        Set<String> accounted = new HashSet<>(deliveredMessageIds());
        accounted.addAll(deadLettered);
        assertThat(accounted).containsExactlyInAnyOrderElementsOf(produced);
        int duplicates = stub.delivered().size() - deliveredMessageIds().size();
        System.out.printf("SIGKILL after %d requests received: %d events, %d delivered once or more, %d dead-lettered, %d duplicate deliveries%n",
                receivedBeforeKill, events, deliveredMessageIds().size(), deadLettered.size(), duplicates);
        // At most what was in flight (64) plus what was delivered since the last commit (every 200 ms).
        assertThat(duplicates).isLessThanOrEqualTo(64 + 400);
    }

    @Test
    void sigtermUnderLoadStopsCleanlyAndLosesAndRepeatsNothing() throws Exception {
        stub.answer(request -> Answer.ok().after(Duration.ofMillis(100)));
        Path work = RealInfrastructure.workDir("sigterm");
        ChildProcess app = startApplication(work, "app-1.log");
        int events = 2000;
        Set<String> produced = produceEvents(events, "t");
        Await.until("deliveries under way", TIMEOUT, () -> stub.received().size() >= 400);

        long stopping = System.nanoTime();
        int exit = app.stop(Duration.ofSeconds(60));
        Duration took = Duration.ofNanos(System.nanoTime() - stopping);
        assertThat(exit).as("ended by SIGTERM, not killed after the timeout").isEqualTo(143);
        assertThat(took).as("a bounded stop").isLessThan(Duration.ofSeconds(45));
        assertThat(stub.received().size()).isLessThan(events * 9 / 10);
        startApplication(work, "app-2.log");

        Await.until("every translatable event delivered", TIMEOUT, () -> deliveredMessageIds().size() == events * 9 / 10);
        Set<String> accounted = new HashSet<>(deliveredMessageIds());
        accounted.addAll(deadLetteredMessageIds(events / 10));
        assertThat(accounted).containsExactlyInAnyOrderElementsOf(produced);
        System.out.printf("SIGTERM: stopped in %d ms; %d delivered, %d duplicate deliveries%n", took.toMillis(),
                deliveredMessageIds().size(), stub.delivered().size() - deliveredMessageIds().size());
        assertThat(stub.delivered()).as("a clean stop commits what it delivered: nothing is sent twice").hasSize(events * 9 / 10);
    }

    @Test
    void everythingArrivesAfterAMinuteOfServerErrorsAndThrottling() throws Exception {
        Instant healsAt = Instant.now().plusSeconds(60);
        AtomicInteger serverErrors = new AtomicInteger();
        AtomicInteger throttled = new AtomicInteger();
        stub.answer(request -> {
            if (Instant.now().isAfter(healsAt)) {
                return Answer.ok();
            }
            int roll = ThreadLocalRandom.current().nextInt(100);
            if (roll < 30) {
                serverErrors.incrementAndGet();
                return Answer.status(500);
            }
            if (roll < 40) {
                throttled.incrementAndGet();
                return Answer.status(429).withRetryAfter("1");
            }
            return Answer.ok();
        });
        TranslationStage translation = TranslationStage.start(config);
        running.add(translation);
        running.add(DeliveryStage.start(config, new SimpleMeterRegistry()));
        int events = 2000;
        Set<String> produced = produceEvents(events, "c");

        Await.until("every translatable event delivered", TIMEOUT, () -> deliveredMessageIds().size() == events * 9 / 10);

        Set<String> accounted = new HashSet<>(deliveredMessageIds());
        Set<String> deadLettered = deadLetteredMessageIds(events / 10);
        accounted.addAll(deadLettered);
        assertThat(accounted).containsExactlyInAnyOrderElementsOf(produced);
        assertThat(deadLettered).as("only the events without identity: no request was given up").hasSize(events / 10);
        assertThat(serverErrors.get()).as("500s answered during the minute").isGreaterThan(50);
        assertThat(throttled.get()).as("429s answered during the minute").isGreaterThan(10);
        System.out.printf("Chaos: %d requests received for %d events (%d answered 500, %d answered 429); all %d translatable events delivered%n",
                stub.received().size(), events, serverErrors.get(), throttled.get(), deliveredMessageIds().size());
    }
}

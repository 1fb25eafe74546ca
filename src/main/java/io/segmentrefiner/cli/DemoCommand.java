package io.segmentrefiner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.deadletter.TextHeaders;
import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.app.DeliveryStage;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.deadletter.DeadLetterHeaders;
import io.segmentrefiner.delivery.DeliveryEngine;
import io.segmentrefiner.demo.RefinerStandIn;
import io.segmentrefiner.embedded.EmbeddedKafkaBroker;
import io.segmentrefiner.refiner.Contact;
import io.segmentrefiner.segment.IncomingEvent;
import io.segmentrefiner.segment.SegmentEvent;
import io.segmentrefiner.segment.SegmentMessagePreparer;
import io.segmentrefiner.segment.SegmentMessageReader;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The whole pipeline on this machine, in one process: an embedded broker, the in-memory registry, translation,
 * delivery, and a local Refiner stand-in that records what it receives. It sends a bundled sample of Segment
 * events, waits until every event has an outcome, and reports.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the pipeline end to end on this machine (embedded Kafka, in-memory registry, a local Refiner "
                + "stand-in) with a bundled sample of Segment events, and report what became of each.")
final class DemoCommand implements Callable<Integer> {

    private static final String SAMPLE = "/demo/segment-events.jsonl";

    @Mixin
    ConfigOption config;

    @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS",
            description = "How long to wait for every event to have an outcome (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("segment-refiner-demo-");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePorts(dir.resolve("kafka"));
             RefinerStandIn refiner = RefinerStandIn.start()) {
            // The user's settings (mapping.page.event, renames, ...) over what the demo's own world needs.
            AppConfig config = this.config.load()
                    .with(AppConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers())
                    .with(AppConfig.SCHEMA_REGISTRY_URL, "mock://segment-refiner-demo")
                    .with(AppConfig.REFINER_API_URL, refiner.url())
                    .with(AppConfig.REFINER_API_KEY, "demo-key")
                    .with(AppConfig.TOPICS_PARTITIONS, "3")
                    .with(AppConfig.TOPICS_REPLICATION_FACTOR, "-1")
                    .with(AppConfig.DELIVERY_RETRY_INITIAL_BACKOFF, "200ms")
                    .with(AppConfig.DELIVERY_RETRY_MAX_BACKOFF, "1s")
                    .with("application.id", "segment-refiner-demo")
                    .with("state.dir", dir.resolve("streams").toString());
            out.printf("Embedded Kafka broker on %s, in-memory schema registry, Refiner stand-in on %s%n",
                    broker.bootstrapServers(), refiner.url());
            out.flush();
            try (TranslationStage pipeline = TranslationStage.start(config);
                 DeliveryEngine delivery = DeliveryStage.start(config, new SimpleMeterRegistry())) {
                List<String> lines = sample();
                int events = produce(config, lines);
                out.printf("Sent %d lines holding %d Segment events to %s; waiting for every event to have an outcome...%n",
                        lines.size(), events, StageSettings.topics(config).input());
                out.flush();
                Outcomes outcomes = await(config, pipeline, refiner, events, Duration.ofSeconds(timeoutSeconds));
                report(out, events, outcomes, refiner);
                return outcomes.total() == events ? 0 : 1;
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    private List<String> sample() throws IOException {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                Objects.requireNonNull(DemoCommand.class.getResourceAsStream(SAMPLE)), StandardCharsets.UTF_8))) {
            return reader.lines().filter(line -> !line.isBlank()).toList();
        }
    }

    /** Sends the lines as they are, keyed by the person they are about; returns how many events they hold. */
    private int produce(AppConfig config, List<String> lines) throws Exception {
        SegmentMessageReader reader = new SegmentMessageReader(json);
        int events = 0;
        Map<String, Object> settings = KafkaClientSettings.producer(config);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String line : lines) {
                byte[] value = line.getBytes(StandardCharsets.UTF_8);
                List<IncomingEvent> incoming = reader.read(value);
                events += incoming.size();
                byte[] key = incoming.stream().filter(SegmentEvent.class::isInstance).map(SegmentEvent.class::cast)
                        .map(event -> SegmentMessagePreparer.partitionKey(event, Contact::personOf)).flatMap(Optional::stream).findFirst()
                        .map(person -> person.getBytes(StandardCharsets.UTF_8)).orElse(null);
                producer.send(new ProducerRecord<>(StageSettings.topics(config).input(), key, value)).get();
            }
        }
        return events;
    }

    /** What became of the events: delivered (by messageId), skipped and dead-lettered, each per reason. */
    private record Outcomes(int delivered, Map<String, Integer> deliveredPerPath, Map<String, Double> skipped,
                            Map<String, Integer> deadLettered) {
        int total() {
            return delivered + (int) skipped.values().stream().mapToDouble(Double::doubleValue).sum()
                    + deadLettered.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private Outcomes await(AppConfig config, TranslationStage pipeline, RefinerStandIn refiner, int events, Duration timeout) {
        Map<String, Object> settings = KafkaClientSettings.consumer(config);
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, "segment-refiner-demo-report");
        Map<String, Integer> deadLettered = new TreeMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> deadLetters = new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            deadLetters.subscribe(List.of(StageSettings.topics(config).deadLetters()));
            while (true) {
                for (ConsumerRecord<byte[], byte[]> record : deadLetters.poll(Duration.ofMillis(200))) {
                    String stage = TextHeaders.read(record.headers(), DeadLetterHeaders.STAGE).orElse("?");
                    String reason = TextHeaders.read(record.headers(), DeadLetterHeaders.REASON).orElse("?");
                    deadLettered.merge(stage + " " + reason, 1, Integer::sum);
                }
                Outcomes outcomes = outcomes(pipeline, refiner, deadLettered);
                if (outcomes.total() >= events || System.nanoTime() > deadline) {
                    return outcomes;
                }
            }
        }
    }

    private static Outcomes outcomes(TranslationStage pipeline, RefinerStandIn refiner, Map<String, Integer> deadLettered) {
        Map<String, String> delivered = new TreeMap<>();
        for (RefinerStandIn.Received request : refiner.received()) {
            if (request.status() / 100 == 2) {
                delivered.put(request.idempotencyKey(), request.method() + " " + request.path());
            }
        }
        Map<String, Integer> perPath = new TreeMap<>();
        delivered.values().forEach(path -> perPath.merge(path, 1, Integer::sum));
        Map<String, Double> skipped = new TreeMap<>();
        pipeline.streams().metrics().forEach((name, metric) -> {
            if (name.name().equals("skipped-total")) {
                skipped.merge(name.tags().get("segment-refiner-id"), (Double) metric.metricValue(), Double::sum);
            }
        });
        return new Outcomes(delivered.size(), perPath, skipped, new TreeMap<>(deadLettered));
    }

    private void report(PrintWriter out, int events, Outcomes outcomes, RefinerStandIn refiner) throws IOException {
        out.println();
        out.printf("%-34s %3d%n", "Events in", events);
        out.printf("%-34s %3d%n", "Requests delivered to Refiner", outcomes.delivered());
        outcomes.deliveredPerPath().forEach((path, count) -> out.printf("  %-32s %3d%n", path, count));
        long retried = refiner.received().stream().filter(r -> r.status() / 100 == 5).count();
        out.printf("  %-32s %3d%n", "of them after a retry", retried);
        out.printf("%-34s %3d%n", "Skipped", outcomes.skipped().values().stream().mapToInt(Double::intValue).sum());
        outcomes.skipped().forEach((reason, count) -> out.printf("  %-32s %3d%n", reason, count.intValue()));
        out.printf("%-34s %3d%n", "Dead-lettered (stage, reason)", outcomes.deadLettered().values().stream().mapToInt(Integer::intValue).sum());
        outcomes.deadLettered().forEach((reason, count) -> out.printf("  %-32s %3d%n", reason, count));
        if (outcomes.total() != events) {
            out.printf("%nOnly %d of %d events have an outcome so far: giving up after the timeout.%n", outcomes.total(), events);
        }
        out.println();
        out.println("Some of the requests Refiner received:");
        List<RefinerStandIn.Received> shown = new ArrayList<>();
        for (String messageId : List.of("demo-identify-ann", "demo-group-acme", "demo-engage-bo", "demo-batch-cy-2", "demo-delete-eve")) {
            refiner.received().stream().filter(r -> messageId.equals(r.idempotencyKey()) && r.status() == 200).findFirst().ifPresent(shown::add);
        }
        for (RefinerStandIn.Received request : shown) {
            out.printf("  %s %s  (Idempotency-Key: %s)%n    %s%n", request.method(), request.path(), request.idempotencyKey(),
                    json.writeValueAsString(json.readTree(request.body())));
        }
        out.flush();
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder; the system cleans it up eventually
        }
    }
}

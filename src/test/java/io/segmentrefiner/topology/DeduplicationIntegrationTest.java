package io.segmentrefiner.topology;

import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.cli.SegmentRefiner;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RunningApplication;
import io.segmentrefiner.harness.TopicReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deduplication by messageId through a SIGKILL, on a real broker: {@code segment-refiner run --role translate} as a
 * child JVM is killed while it translates a file sent by {@code produce} (requests committed, a transaction open),
 * started again, and once everything is translated the same file is sent a second time. Each event comes out as one
 * request: the events of the aborted transaction are translated after the restart (their messageIds were not kept),
 * and every copy is skipped as {@code DUPLICATE}, counted in the restarted process's metrics, never dead-lettered.
 */
@ExtendWith(RealInfrastructure.class)
class DeduplicationIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int EVENTS = 3_000;
    private static final int USERS = 100;
    /** Requests committed before the kill, at least: the kill comes in the middle of the translation. */
    private static final int COMMITTED_BEFORE_KILL = 400;
    private static final Pattern DUPLICATES = Pattern.compile(
            "(?m)^kafka_stream_segment_refiner_skipped_total\\{[^}]*segment_refiner_id=\"DUPLICATE\"[^}]*} (\\S+)$");

    private KafkaBrokerProcess broker;
    private Admin admin;
    private RunningApplication app;
    private String lastMetrics = "";

    @BeforeEach
    void setUp(KafkaBrokerProcess broker) {
        this.broker = broker;
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterEach
    void tearDown() {
        lastMetrics.lines().filter(line -> line.contains("segment_refiner")).forEach(line -> System.out.println("/metrics: " + line));
        if (app != null) {
            app.close();
        }
        admin.close();
    }

    @Test
    void aBatchSentAgainAfterAKillAndARestartComesOutAsOneRequestPerMessageId() throws Exception {
        Map<String, String> settings = PipelineSettings.forRun("dedup-it", broker);
        String run = PipelineSettings.runOf(settings);
        String input = settings.get(AppConfig.INPUT_TOPIC.key());
        String requests = settings.get(AppConfig.REQUESTS_TOPIC.key());
        String deadLetters = settings.get(AppConfig.DLQ_TOPIC.key());
        String applicationId = settings.get("application.id");
        // Schemas in a topic of the broker: a mock:// registry would not outlive the process.
        settings.put(AppConfig.SCHEMA_REGISTRY_URL.key(), "kafka://_schemas-" + run);
        settings.put(AppConfig.DEDUP_WINDOW.key(), "24h");
        // The restarted process is the same group member at once, instead of after the killed one's session.
        settings.put("group.instance.id", "dedup-it-" + run);
        // Transactions of a second, whose requests reach the log before they commit: a kill leaves one open.
        settings.put("commit.interval.ms", "1000");
        settings.put("producer.linger.ms", "5");
        // Translation at a few hundred events a second, so that a kill finds it under way: each fetch waits 25 ms
        // (it never has the million bytes it asks for) and brings one record batch (about 1 KB, see produce below).
        settings.put("main.consumer.fetch.min.bytes", "1000000");
        settings.put("main.consumer.fetch.max.wait.ms", "25");
        settings.put("main.consumer.fetch.max.bytes", "1");
        settings.put("main.consumer.max.partition.fetch.bytes", "1");

        Path work = RealInfrastructure.workDir("dedup-it");
        Path events = work.resolve("events.jsonl");
        Set<String> messageIds = writeEvents(events);
        Path produceConfig = PipelineSettings.write(Map.of(
                AppConfig.BOOTSTRAP_SERVERS.key(), broker.bootstrapServers(),
                AppConfig.INPUT_TOPIC.key(), input,
                "batch.size", "1024",
                "linger.ms", "20"), work.resolve("produce.properties"));

        app = RunningApplication.start("translate", work, settings, Map.of(), "--role", "translate");
        app.awaitLog("Translating " + input, TIMEOUT);
        app.awaitStarted(TIMEOUT);
        produce(produceConfig, events);

        // The kill: requests committed, and a transaction open with requests on the log, aborted by the kill.
        long pendingAtKill = 0;
        long committedBeforeKill = 0;
        for (int attempt = 1; attempt <= 3 && pendingAtKill == 0; attempt++) {
            committedBeforeKill = Await.until("requests committed before kill " + attempt, TIMEOUT, () -> {
                app.assertAlive();
                long committed = TopicReader.countCommitted(broker.bootstrapServers(), requests);
                return committed >= COMMITTED_BEFORE_KILL ? committed : null;
            });
            assertThat(committedBeforeKill).as("the kill comes before the end of the translation").isLessThan(EVENTS);
            Await.until("a transaction open with requests on the log", TIMEOUT, () -> {
                app.assertAlive();
                return uncommitted(requests) > 0;
            });
            app.kill();
            pendingAtKill = uncommitted(requests);
            app.restart();
            app.awaitStarted(TIMEOUT);
        }
        assertThat(pendingAtKill).as("requests of the transaction the kill aborted").isPositive();

        Await.until("every event translated after the restart", TIMEOUT, () -> {
            app.assertAlive();
            return TopicReader.countCommitted(broker.bootstrapServers(), requests) >= EVENTS;
        });

        // The same file again: every event a copy.
        produce(produceConfig, events);
        Await.until("translation to consume both sends (" + 2 * EVENTS + " events)", TIMEOUT, () -> {
            app.assertAlive();
            return consumed(applicationId, input) == 2L * EVENTS;
        });
        assertThat(TopicReader.endOffsets(broker.bootstrapServers(), input)).isEqualTo(2L * EVENTS);

        Map<String, Long> requestsPerMessageId = committedRequestsPerMessageId(requests);
        assertThat(requestsPerMessageId.keySet()).as("a request for every event").isEqualTo(messageIds);
        assertThat(requestsPerMessageId.entrySet().stream().filter(count -> count.getValue() != 1).toList())
                .as("messageIds with other than one request").isEmpty();
        assertThat(requestsPerMessageId.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(EVENTS);
        long onTheLog = requestsOnTheLog(requests);
        assertThat(onTheLog).as("the aborted requests stay on the log, unread by read_committed").isGreaterThan(EVENTS);
        assertThat(TopicReader.endOffsets(broker.bootstrapServers(), deadLetters)).as("nothing dead-lettered").isZero();

        // Micrometer binds new Kafka metrics once a minute: the counter of the copies shows up within that.
        String metrics = Await.until("the copies counted as DUPLICATE in /metrics", Duration.ofSeconds(150), () -> {
            app.assertAlive();
            String body = app.get("/metrics").body();
            lastMetrics = body;
            return duplicates(body) >= EVENTS ? body : null;
        });
        System.out.println("Deduplication after a kill: " + committedBeforeKill + " requests committed before the kill, "
                + pendingAtKill + " aborted by it, " + onTheLog + " requests on the log, " + EVENTS + " committed; /metrics:");
        DUPLICATES.matcher(metrics).results().forEach(line -> System.out.println("  " + line.group()));
        assertThat(duplicates(metrics)).as("copies skipped as DUPLICATE by the restarted process").isEqualTo(EVENTS);
        assertThat(app.logText()).doesNotContain("UNREADABLE_REQUEST");
    }

    /** {@code EVENTS} track events of {@code USERS} users, each with its own messageId. */
    private static Set<String> writeEvents(Path file) throws IOException {
        List<String> lines = IntStream.range(0, EVENTS).mapToObj(i -> ("{\"type\":\"track\",\"messageId\":\"dedup-%d\","
                + "\"userId\":\"user-%d\",\"event\":\"Survey Shown\",\"receivedAt\":\"2026-12-01T10:00:00.000Z\","
                + "\"properties\":{\"survey\":\"s-%d\"}}").formatted(i, i % USERS, i % 7)).toList();
        Files.write(file, lines);
        return IntStream.range(0, EVENTS).mapToObj(i -> "dedup-" + i).collect(Collectors.toSet());
    }

    /** {@code segment-refiner produce --config FILE EVENTS}, in-process as the command line runs it. */
    private static void produce(Path config, Path events) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = SegmentRefiner.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int status = commandLine.execute("produce", "--config", config.toString(), events.toString());
        assertThat(status).as(err.toString()).isZero();
        assertThat(out.toString()).contains("sent " + EVENTS + ", refused 0");
    }

    /** Records past the last stable offset: those of transactions still open. */
    private long uncommitted(String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = partitions(topic).stream()
                .collect(Collectors.toMap(partition -> partition, partition -> OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
        Map<TopicPartition, ListOffsetsResultInfo> stable = admin.listOffsets(latest,
                new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        return ends.keySet().stream().mapToLong(partition -> ends.get(partition).offset() - stable.get(partition).offset()).sum();
    }

    /** The input records whose translation committed: the application's committed offsets, summed. */
    private long consumed(String applicationId, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                .partitionsToOffsetAndMetadata().get();
        return committed.entrySet().stream().filter(entry -> entry.getKey().topic().equals(topic) && entry.getValue() != null)
                .mapToLong(entry -> entry.getValue().offset()).sum();
    }

    private List<TopicPartition> partitions(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                .map(partition -> new TopicPartition(topic, partition.partition())).toList();
    }

    /** How many committed requests each messageId has, read_committed from the beginning to the end of the topic. */
    private Map<String, Long> committedRequestsPerMessageId(String topic) throws Exception {
        SpecificDatumReader<RefinerRequestRecord> reader = new SpecificDatumReader<>(RefinerRequestRecord.class);
        Map<String, Long> counts = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : readToEnd(topic, IsolationLevel.READ_COMMITTED)) {
            assertThat(record.value()[0]).as("Confluent magic byte").isZero();
            try {
                RefinerRequestRecord request = reader.read(null,
                        DecoderFactory.get().binaryDecoder(record.value(), 5, record.value().length - 5, null));
                counts.merge(request.getMessageId(), 1L, Long::sum);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return counts;
    }

    /** Every request on the log, read_uncommitted: the committed ones and those of aborted transactions. */
    private long requestsOnTheLog(String topic) throws Exception {
        return readToEnd(topic, IsolationLevel.READ_UNCOMMITTED).size();
    }

    /** The topic's records from the beginning to its end offsets as they are now (no transaction is open by then). */
    private List<ConsumerRecord<byte[], byte[]>> readToEnd(String topic, IsolationLevel isolation) throws Exception {
        List<TopicPartition> partitions = partitions(topic);
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.name().toLowerCase(Locale.ROOT),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(partition -> consumer.position(partition) < ends.get(partition))) {
                assertThat(System.nanoTime()).as("read " + topic + " to its end " + ends).isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /** The copies counted as DUPLICATE, summed over the stream threads. */
    private static double duplicates(String metrics) {
        Matcher matcher = DUPLICATES.matcher(metrics);
        double total = 0;
        while (matcher.find()) {
            total += Double.parseDouble(matcher.group(1));
        }
        return total;
    }
}

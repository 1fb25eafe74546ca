package io.segmentrefiner.deadletter;

import io.segmentrefiner.app.GroupIds;
import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.refiner.Reason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.app.DeliveryStage;
import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.cli.SegmentRefiner;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.delivery.DeliveryEngine;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RefinerStub.Answer;
import io.segmentrefiner.harness.TopicReader;
import io.segmentrefiner.registry.ConfluentAvroSerde;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import io.segmentrefiner.harness.RequestRecords;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code segment-refiner replay} on a real broker: dead letters back to where they came from, each once. */
@ExtendWith(RealInfrastructure.class)
class ReplayIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String SUMMARY = "replayed %d, skipped by filter %d, left alone %d \\(max replays\\), in \\d+\\.\\d s";

    @TempDir
    Path dir;

    private KafkaBrokerProcess broker;
    private String run;
    private Map<String, String> settings;
    private AppConfig config;
    private Path configFile;
    private KafkaProducer<byte[], byte[]> producer;

    @BeforeEach
    void setUp(KafkaBrokerProcess broker) throws Exception {
        this.broker = broker;
        settings = PipelineSettings.forRun("replay-it", broker);
        run = PipelineSettings.runOf(settings);
        config = AppConfig.of(settings);
        configFile = PipelineSettings.write(settings, dir.resolve("replay.properties"));
        TranslationStage.createMissingTopics(config);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 1), new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void tearDown() {
        if (producer != null) {
            producer.close();
        }
    }

    private record Outcome(int status, String out, String err) {
        String summary() {
            return out.lines().reduce((first, second) -> second).orElse("");
        }
    }

    private Outcome replay(String... flags) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = SegmentRefiner.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        List<String> args = new ArrayList<>(List.of("replay", "--config", configFile.toString()));
        args.addAll(List.of(flags));
        int status = commandLine.execute(args.toArray(String[]::new));
        return new Outcome(status, out.toString(), err.toString());
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static Headers ownHeaders(String trace) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", bytes(trace));
        headers.add("source", bytes("ios"));
        return headers;
    }

    /** A dead letter as translation writes it. */
    private void deadLetterOfTranslation(int partition, String key, String value, String reason, Headers own) throws Exception {
        DeadLetter deadLetter = new DeadLetter(Reason.valueOf(reason), "the event has no " + reason,
                new DeadLetter.Origin(StageSettings.topics(config).input(), 1, 17));
        writeDeadLetter(partition, null, key, value, deadLetter.appendTo(own));
    }

    /** A dead letter as delivery writes it, after the last attempt answered {@code status}. */
    private void deadLetterOfDelivery(int partition, String key, String value, String reason, int status, Headers own) throws Exception {
        DeadLetter deadLetter = new DeadLetter(Reason.valueOf(reason), "Refiner answered " + status,
                new DeadLetter.Origin(StageSettings.topics(config).requests(), 2, 5), Optional.of(new DeadLetter.Attempts(status, 6,
                Instant.parse("2026-11-28T09:00:00Z"), Instant.parse("2026-11-28T13:00:00Z"), "{\"error\":\"status " + status + "\"}")));
        writeDeadLetter(partition, null, key, value, deadLetter.appendTo(own));
    }

    private void writeDeadLetter(int partition, Long timestamp, String key, String value, Headers headers) throws Exception {
        producer.send(new ProducerRecord<>(StageSettings.topics(config).deadLetters(), partition, timestamp, bytes(key), bytes(value), headers)).get();
    }

    private List<ConsumerRecord<byte[], byte[]>> read(String topic, int count) {
        return TopicReader.read(broker.bootstrapServers(), topic, count, TIMEOUT, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** How many records the topic holds: the broker has acknowledged every replayed record when replay returns. */
    private long recordsIn(String topic) throws Exception {
        return TopicReader.endOffsets(broker.bootstrapServers(), topic);
    }

    private Map<TopicPartition, Long> committed(String checkpoint) throws Exception {
        try (Admin admin = Admin.create(KafkaClientSettings.admin(config))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GroupIds.replay(config, checkpoint))
                    .partitionsToOffsetAndMetadata().get();
            return offsets.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }

    private static List<String> headerNames(ConsumerRecord<byte[], byte[]> record) {
        return Arrays.stream(record.headers().toArray()).map(Header::key).toList();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return TextHeaders.read(record.headers(), name).orElse(null);
    }

    @Test
    void eachDeadLetterGoesBackToItsOriginIntactAndASecondReplaySendsNothing() throws Exception {
        deadLetterOfTranslation(0, "u-1", "{\"type\":\"identify\"}", "MISSING_IDENTITY", ownHeaders("trace-1"));
        deadLetterOfTranslation(1, null, "not json", "INVALID_JSON", new RecordHeaders());
        Headers fromStreams = ownHeaders("trace-3");
        fromStreams.add("__streams.errors.exception", bytes("java.lang.IllegalStateException"));
        fromStreams.add("__streams.errors.topic", bytes(StageSettings.topics(config).requests()));
        deadLetterOfDelivery(2, "u-3", "avro-bytes-3", "RETRIES_EXHAUSTED", 503, fromStreams);

        Outcome first = replay();

        assertThat(first.status()).as(first.err()).isZero();
        assertThat(first.out().lines().toList()).hasSize(1);
        assertThat(first.summary()).matches(SUMMARY.formatted(3, 0, 0));
        List<ConsumerRecord<byte[], byte[]>> events = read(StageSettings.topics(config).input(), 2);
        ConsumerRecord<byte[], byte[]> identify = events.stream().filter(r -> r.key() != null).findFirst().orElseThrow();
        ConsumerRecord<byte[], byte[]> unkeyed = events.stream().filter(r -> r.key() == null).findFirst().orElseThrow();
        assertThat(text(identify.key())).isEqualTo("u-1");
        assertThat(text(identify.value())).isEqualTo("{\"type\":\"identify\"}");
        assertThat(headerNames(identify)).containsExactly("traceparent", "source", ReplayHeaders.COUNT);
        assertThat(header(identify, "traceparent")).isEqualTo("trace-1");
        assertThat(header(identify, ReplayHeaders.COUNT)).isEqualTo("1");
        assertThat(text(unkeyed.value())).isEqualTo("not json");
        assertThat(headerNames(unkeyed)).containsExactly(ReplayHeaders.COUNT);
        ConsumerRecord<byte[], byte[]> request = read(StageSettings.topics(config).requests(), 1).get(0);
        assertThat(text(request.key())).isEqualTo("u-3");
        assertThat(text(request.value())).isEqualTo("avro-bytes-3");
        assertThat(headerNames(request)).as("no refiner.dlq.* nor __streams.errors.* left")
                .containsExactly("traceparent", "source", ReplayHeaders.COUNT);
        assertThat(committed("default")).isEqualTo(Map.of(
                new TopicPartition(StageSettings.topics(config).deadLetters(), 0), 1L,
                new TopicPartition(StageSettings.topics(config).deadLetters(), 1), 1L,
                new TopicPartition(StageSettings.topics(config).deadLetters(), 2), 1L));

        Outcome second = replay();

        assertThat(second.status()).as(second.err()).isZero();
        assertThat(second.summary()).matches(SUMMARY.formatted(0, 0, 0));
        assertThat(recordsIn(StageSettings.topics(config).input())).isEqualTo(2);
        assertThat(recordsIn(StageSettings.topics(config).requests())).isEqualTo(1);
    }

    @Test
    void aDryRunPrintsWhatWouldBeReplayedAndNeitherSendsNorCommits() throws Exception {
        deadLetterOfTranslation(0, "u-1", "{}", "MISSING_IDENTITY", new RecordHeaders());
        deadLetterOfTranslation(1, "u-2", "{}", "MISSING_IDENTITY", new RecordHeaders());
        deadLetterOfDelivery(2, "u-3", "v", "RETRIES_EXHAUSTED", 503, new RecordHeaders());
        deadLetterOfDelivery(2, "u-4", "v", "HTTP_4XX", 400, new RecordHeaders());

        Outcome dryRun = replay("--dry-run", "--status", "503", "--status", "0");
        Outcome dryRunAll = replay("--dry-run");

        assertThat(dryRun.status()).as(dryRun.err()).isZero();
        assertThat(dryRun.out().lines().toList()).containsExactly(
                "deliver    RETRIES_EXHAUSTED  1",
                "would replay 1, skipped by filter 3, left alone 0 (max replays)");
        assertThat(dryRunAll.out().lines().toList()).containsExactly(
                "deliver    HTTP_4XX           1",
                "deliver    RETRIES_EXHAUSTED  1",
                "translate  MISSING_IDENTITY   2",
                "would replay 4, skipped by filter 0, left alone 0 (max replays)");
        assertThat(recordsIn(StageSettings.topics(config).input())).isZero();
        assertThat(recordsIn(StageSettings.topics(config).requests())).isZero();
        assertThat(committed("default")).isEmpty();

        Outcome real = replay();

        assertThat(real.summary()).matches(SUMMARY.formatted(4, 0, 0));
        assertThat(recordsIn(StageSettings.topics(config).input())).isEqualTo(2);
        assertThat(recordsIn(StageSettings.topics(config).requests())).isEqualTo(2);
    }

    @Test
    void filtersReplayOnlyWhatMatchesAndAnotherCheckpointTakesTheRest() throws Exception {
        Instant old = Instant.now().minus(Duration.ofDays(10));
        String fiveDaysAgo = Instant.now().minus(Duration.ofDays(5)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        deadLetterOfTranslation(0, "identity", "{}", "MISSING_IDENTITY", new RecordHeaders());
        deadLetterOfTranslation(0, "json", "{", "INVALID_JSON", new RecordHeaders());
        deadLetterOfDelivery(1, "unavailable", "v", "RETRIES_EXHAUSTED", 503, new RecordHeaders());
        deadLetterOfDelivery(1, "refused", "v", "HTTP_4XX", 400, new RecordHeaders());
        deadLetterOfDelivery(1, "no-answer", "v", "RETRIES_EXHAUSTED", 0, new RecordHeaders());
        writeDeadLetter(2, old.toEpochMilli(), "old-unavailable", "v", new DeadLetter(Reason.RETRIES_EXHAUSTED, "old",
                new DeadLetter.Origin(StageSettings.topics(config).requests(), 0, 1), Optional.of(new DeadLetter.Attempts(500, 3, old, old, "")))
                .appendTo(new RecordHeaders()));

        Outcome serverErrors = replay("--stage", "deliver", "--status", "5xx", "--since", fiveDaysAgo, "--checkpoint", "server-errors");

        assertThat(serverErrors.status()).as(serverErrors.err()).isZero();
        assertThat(serverErrors.summary()).matches(SUMMARY.formatted(1, 5, 0));
        assertThat(read(StageSettings.topics(config).requests(), 1)).extracting(r -> text(r.key())).containsExactly("unavailable");
        assertThat(replay("--checkpoint", "server-errors").summary()).as("this checkpoint has moved past everything it read")
                .matches(SUMMARY.formatted(0, 0, 0));

        Outcome translation = replay("--reason", "MISSING_IDENTITY", "--reason", "invalid_json", "--checkpoint", "translation");
        Outcome old5xx = replay("--status", "5xx", "--until", "5d", "--checkpoint", "old");
        Outcome noAnswerOrRefused = replay("--stage", "deliver", "--reason", "HTTP_4XX,RETRIES_EXHAUSTED", "--status", "4xx",
                "--status", "0", "--checkpoint", "the-rest");

        assertThat(translation.summary()).matches(SUMMARY.formatted(2, 4, 0));
        assertThat(old5xx.summary()).matches(SUMMARY.formatted(1, 5, 0));
        assertThat(noAnswerOrRefused.summary()).matches(SUMMARY.formatted(2, 4, 0));
        assertThat(read(StageSettings.topics(config).input(), 2)).extracting(r -> text(r.key())).containsExactlyInAnyOrder("identity", "json");
        assertThat(read(StageSettings.topics(config).requests(), 4)).extracting(r -> text(r.key()))
                .containsExactlyInAnyOrder("unavailable", "old-unavailable", "refused", "no-answer");
    }

    @Test
    void aDeadLetterReplayedMaxReplaysTimesIsLeftAloneAndReported() throws Exception {
        Headers replayedTwice = ownHeaders("twice");
        replayedTwice.add(ReplayHeaders.COUNT, bytes("2"));
        Headers replayedThrice = ownHeaders("thrice");
        replayedThrice.add(ReplayHeaders.COUNT, bytes("3"));
        deadLetterOfTranslation(0, "twice", "{}", "MISSING_IDENTITY", replayedTwice);
        deadLetterOfTranslation(0, "thrice", "{}", "MISSING_IDENTITY", replayedThrice);

        Outcome capped = replay();

        assertThat(capped.status()).as(capped.err()).isZero();
        assertThat(capped.summary()).matches(SUMMARY.formatted(1, 0, 1));
        assertThat(capped.err()).contains("left alone: " + StageSettings.topics(config).deadLetters()
                + " partition 0 offset 1 (translate MISSING_IDENTITY): replayed 3 times already (--max-replays 3)");
        ConsumerRecord<byte[], byte[]> third = read(StageSettings.topics(config).input(), 1).get(0);
        assertThat(text(third.key())).isEqualTo("twice");
        assertThat(header(third, ReplayHeaders.COUNT)).isEqualTo("3");
        assertThat(headerNames(third)).containsExactly("traceparent", "source", ReplayHeaders.COUNT);
        assertThat(replay().summary()).as("left alone, not left for later").matches(SUMMARY.formatted(0, 0, 0));

        Outcome raised = replay("--max-replays", "5", "--checkpoint", "raised");

        assertThat(raised.summary()).matches(SUMMARY.formatted(2, 0, 0));
        assertThat(read(StageSettings.topics(config).input(), 3)).extracting(r -> header(r, ReplayHeaders.COUNT)).containsExactlyInAnyOrder("3", "3", "4");
    }

    @Test
    void anInterruptedReplayContinuesWhereItStoppedAndNewDeadLettersWaitForTheNextRun() throws Exception {
        for (int i = 0; i < 6; i++) {
            deadLetterOfTranslation(0, "one-contact", "{\"n\":" + i + "}", "MISSING_IDENTITY", new RecordHeaders());
        }
        Map<String, Object> consumerSettings = new HashMap<>(KafkaClientSettings.consumer(config));
        consumerSettings.put(ConsumerConfig.GROUP_ID_CONFIG, GroupIds.replay(config, "default"));
        consumerSettings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerSettings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerSettings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2);
        Replay.Summary interrupted;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerSettings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> replayProducer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                     ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            Replay replay = new Replay(consumer, Optional.<Producer<byte[], byte[]>>of(replayProducer),
                    new ReplayOptions(StageSettings.topics(config).deadLetters(), ReplayFilter.EVERYTHING, 3, Map.of(), false));
            interrupted = replay.run(new Replay.Listener() {
                @Override
                public void progressed(long replayed, long read) {
                    if (replayed > 0) {
                        replay.stop();
                    }
                }
            });
        }
        long firstPart = interrupted.replayed();
        assertThat(interrupted.complete()).isFalse();
        assertThat(firstPart).as("stopped after its first batch of at most 2").isBetween(1L, 2L);
        assertThat(committed("default")).isEqualTo(Map.of(new TopicPartition(StageSettings.topics(config).deadLetters(), 0), firstPart));
        deadLetterOfTranslation(1, "later", "{}", "MISSING_IDENTITY", new RecordHeaders());

        Outcome rest = replay();

        assertThat(rest.summary()).matches(SUMMARY.formatted(6 - firstPart + 1, 0, 0));
        List<ConsumerRecord<byte[], byte[]>> events = read(StageSettings.topics(config).input(), 7);
        assertThat(events.stream().filter(r -> text(r.key()).equals("one-contact")).map(r -> text(r.value())))
                .as("each once, in order across the interruption")
                .containsExactly("{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}");
        assertThat(events).filteredOn(r -> text(r.key()).equals("later")).hasSize(1);
    }

    @Test
    void fromOffsetsStartsWhereItIsToldInsteadOfTheCheckpoint() throws Exception {
        for (int i = 0; i < 4; i++) {
            deadLetterOfTranslation(0, "p0-" + i, "{}", "MISSING_IDENTITY", new RecordHeaders());
        }
        deadLetterOfTranslation(1, "p1-0", "{}", "MISSING_IDENTITY", new RecordHeaders());
        assertThat(replay().summary()).matches(SUMMARY.formatted(5, 0, 0));

        Outcome again = replay("--from-offsets", "0:2");

        assertThat(again.status()).as(again.err()).isZero();
        assertThat(again.summary()).as("partition 0 from offset 2; partition 1 from its checkpoint").matches(SUMMARY.formatted(2, 0, 0));
        assertThat(read(StageSettings.topics(config).input(), 7)).extracting(r -> text(r.key()))
                .containsExactlyInAnyOrder("p0-0", "p0-1", "p0-2", "p0-3", "p1-0", "p0-2", "p0-3");
        assertThat(replay().summary()).matches(SUMMARY.formatted(0, 0, 0));
    }

    @Test
    void wrongFlagsAndAMissingTopicEndWithOneClearMessage() throws Exception {
        Outcome since = replay("--since", "yesterday");
        Outcome status = replay("--status", "6xx");
        Outcome partition = replay("--from-offsets", "7:0");
        Files.writeString(configFile, "dlq.topic=no.such.dlq." + run + "\n", java.nio.file.StandardOpenOption.APPEND);
        Outcome missing = replay();

        assertThat(since.status()).isEqualTo(2);
        assertThat(since.err().strip()).isEqualTo("segment-refiner: --since: 'yesterday' is neither an instant (such as "
                + "2026-11-28T10:00:00Z) nor a duration ago (such as 30m, 2h or 1d)");
        assertThat(status.status()).isEqualTo(2);
        assertThat(status.err()).startsWith("segment-refiner: --status: '6xx'");
        assertThat(partition.status()).isEqualTo(2);
        assertThat(partition.err().strip()).isEqualTo("segment-refiner: --from-offsets: the dead-letter topic '"
                + StageSettings.topics(config).deadLetters() + "' has no partition 7 (it has 3, 0 to 2)");
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err().strip()).isEqualTo("segment-refiner: The dead-letter topic 'no.such.dlq." + run
                + "' does not exist (setting dlq.topic)");
    }

    /** Delivery to the stub that gives up after a second of retries, so that failures reach the dead-letter topic fast. */
    private DeliveryEngine startDelivery(RefinerStub stub, String registryScope) throws Exception {
        AppConfig delivering = config.with(AppConfig.SCHEMA_REGISTRY_URL, "mock://" + registryScope)
                .with(AppConfig.REFINER_API_URL, stub.url())
                .with(AppConfig.REFINER_API_KEY, "rk_test_replay")
                .with(AppConfig.DELIVERY_RETRY_MAX_DURATION, "1s")
                .with(AppConfig.DELIVERY_RETRY_INITIAL_BACKOFF, "50ms")
                .with(AppConfig.DELIVERY_RETRY_MAX_BACKOFF, "200ms");
        return DeliveryStage.start(delivering, new SimpleMeterRegistry());
    }

    /** The whole story: Refiner is down, requests are dead-lettered, Refiner heals, replay delivers them. */
    @Test
    void deadLettersOfAnOutageAreDeliveredOnceRefinerIsBack() throws Exception {
        String registryScope = "replay-it-" + run;
        try (RefinerStub stub = RefinerStub.start()) {
            stub.answer(request -> Answer.status(503));
            DeliveryEngine engine = startDelivery(stub, registryScope);
            try {
                produceRequests(registryScope, List.of("m-1", "m-2", "m-3"));
                List<ConsumerRecord<byte[], byte[]>> deadLetters = read(StageSettings.topics(config).deadLetters(), 3);
                assertThat(deadLetters).allSatisfy(d -> assertThat(header(d, DeadLetterHeaders.REASON)).isEqualTo("RETRIES_EXHAUSTED"));
                assertThat(stub.delivered()).isEmpty();

                stub.answer(request -> Answer.ok());
                Outcome replayed = replay("--status", "5xx");

                assertThat(replayed.status()).as(replayed.err()).isZero();
                assertThat(replayed.summary()).matches(SUMMARY.formatted(3, 0, 0));
                Await.until("the three replayed requests delivered", TIMEOUT, () -> stub.delivered().size() == 3);
                assertThat(stub.delivered()).extracting(RefinerStub.Received::idempotencyKey).containsExactlyInAnyOrder("m-1", "m-2", "m-3");
                assertThat(replay().summary()).matches(SUMMARY.formatted(0, 0, 0));
                assertThat(recordsIn(StageSettings.topics(config).requests())).isEqualTo(6);
                assertThat(recordsIn(StageSettings.topics(config).deadLetters())).as("no new dead letter").isEqualTo(3);
                assertThat(stub.delivered()).hasSize(3);
            } finally {
                engine.close();
                InMemorySchemaRegistry.drop(registryScope);
            }
        }
    }

    /** A request that keeps failing comes back to the dead-letter topic with its count, and the cap stops the loop. */
    @Test
    void aRequestThatKeepsFailingComesBackCountedUntilTheCapLeavesItAlone() throws Exception {
        String registryScope = "replay-it-" + run;
        try (RefinerStub stub = RefinerStub.start()) {
            stub.answer(request -> Answer.status(503));
            DeliveryEngine engine = startDelivery(stub, registryScope);
            try {
                produceRequests(registryScope, List.of("m-poison"));
                read(StageSettings.topics(config).deadLetters(), 1);

                assertThat(replay("--max-replays", "1").summary()).matches(SUMMARY.formatted(1, 0, 0));
                // Both dead letters carry the request's key: one partition, in the order they were written.
                ConsumerRecord<byte[], byte[]> again = read(StageSettings.topics(config).deadLetters(), 2).get(1);
                assertThat(header(again, ReplayHeaders.COUNT)).isEqualTo("1");
                assertThat(header(again, DeadLetterHeaders.REASON)).isEqualTo("RETRIES_EXHAUSTED");

                Outcome capped = replay("--max-replays", "1");

                assertThat(capped.summary()).matches(SUMMARY.formatted(0, 0, 1));
                assertThat(capped.err()).contains("replayed 1 times already (--max-replays 1)");
                assertThat(recordsIn(StageSettings.topics(config).requests())).isEqualTo(2);
            } finally {
                engine.close();
                InMemorySchemaRegistry.drop(registryScope);
            }
        }
    }

    /** Requests as translation writes them: Avro in the Confluent wire format, keyed by contact. */
    private void produceRequests(String registryScope, List<String> messageIds) throws Exception {
        ConfluentAvroSerde<RefinerRequestRecord> serde = new ConfluentAvroSerde<>(
                InMemorySchemaRegistry.scope(registryScope), RefinerRequestRecord.getClassSchema());
        try (KafkaProducer<String, RefinerRequestRecord> requests = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(), serde.serializer())) {
            for (String messageId : messageIds) {
                requests.send(new ProducerRecord<>(StageSettings.topics(config).requests(), "contact-" + messageId,
                        RequestRecords.track(messageId, "contact-" + messageId, "E"))).get();
            }
        }
    }
}

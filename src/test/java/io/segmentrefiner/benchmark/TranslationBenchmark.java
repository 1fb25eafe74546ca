package io.segmentrefiner.benchmark;

import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import io.segmentrefiner.topology.TopicCreator;
import io.segmentrefiner.topology.TopicDeclaration;
import io.segmentrefiner.topology.TranslationTopology;
import io.segmentrefiner.topology.TopicNames;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Translation throughput against a pass-through baseline, on a real broker (a child JVM): the same events, the
 * same partitions, the same guarantee (exactly-once v2) and thread count; the baseline copies bytes in to bytes
 * out, the translation runs the real topology. Each rate is events per second from start until the application's
 * committed input offsets reach the end of the input topic. After the runs it prints the size of translation's
 * deduplication store ({@code dedup.window}, 24h by default) on disk and of its changelog, per million messageIds.
 *
 * <p>Run: {@code mvn -B -q -Pbenchmark-translation test-compile exec:exec} (events: {@code -Dbenchmark.events=N}).
 */
public final class TranslationBenchmark {

    private static final int PARTITIONS = 6;

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        String threads = args.length > 1 ? args[1] : "1";
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String dedupWindow = args.length > 3 ? args[3] : AppConfig.DEDUP_WINDOW.defaultValue().orElseThrow();
        Map<String, String> settings = ExtraSettings.from(args, 4); // for both applications
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(RealInfrastructure.workDir("benchmark-kafka"))) {
            String bootstrap = broker.bootstrapServers();
            TopicNames topics = new TopicNames("bench.segment.events", "bench.refiner.requests", "bench.refiner.requests.retry", "bench.refiner.dlq",
                    "bench.refiner.suppressions");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                TopicCreator.createMissing(admin, TopicDeclaration.pipeline(topics, PARTITIONS), Optional.empty());
                TopicCreator.createMissing(admin, List.of(new TopicDeclaration("bench.passthrough.out", "baseline output", PARTITIONS, Map.of())), Optional.empty());
            }
            long bytes = produce(bootstrap, topics.input(), events);
            System.out.printf("Produced %,d events (%,d bytes, %.0f bytes on average) to %d partitions%n",
                    events, bytes, (double) bytes / events, PARTITIONS);

            settings.putAll(Map.of(
                    AppConfig.BOOTSTRAP_SERVERS.key(), bootstrap,
                    AppConfig.SCHEMA_REGISTRY_URL.key(), "mock://benchmark",
                    AppConfig.INPUT_TOPIC.key(), topics.input(),
                    AppConfig.REQUESTS_TOPIC.key(), topics.requests(),
                    AppConfig.DLQ_TOPIC.key(), topics.deadLetters(),
                    AppConfig.SUPPRESSIONS_TOPIC.key(), topics.suppressions(),
                    AppConfig.DEDUP_WINDOW.key(), dedupWindow,
                    "num.stream.threads", threads,
                    "state.dir", RealInfrastructure.workDir("benchmark-state").toString()));
            AppConfig config = AppConfig.of(settings);

            // The two alternate, each round on a fresh application id (and so a fresh deduplication store): the
            // machine's own drift (the broker's page cache, its log flushes) then weighs on both alike.
            List<Double> ratios = new ArrayList<>();
            List<Double> ratiosFromStart = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                String suffix = round == 1 ? "" : "-" + round;
                Rate passThrough = measure("pass-through", config.with("application.id", "bench-passthrough" + suffix), events, bootstrap, topics.input(),
                        properties -> passThrough(topics.input()));
                Rate translation = measure("translation", config.with("application.id", "bench-translation" + suffix), events, bootstrap, topics.input(),
                        properties -> TranslationStage.topology(config, InMemorySchemaRegistry.scope("benchmark")));
                ratios.add(translation.fromFirstCommit() / passThrough.fromFirstCommit());
                ratiosFromStart.add(translation.fromStart() / passThrough.fromStart());
                System.out.printf("round %d (dedup.window=%s): pass-through %,.0f events/s, translation %,.0f events/s, ratio %.2f;"
                                + " from start, start-up included (%.1f s and %.1f s): %,.0f and %,.0f events/s, ratio %.2f%n",
                        round, dedupWindow, passThrough.fromFirstCommit(), translation.fromFirstCommit(), ratios.get(round - 1),
                        passThrough.startUpSeconds(), translation.startUpSeconds(), passThrough.fromStart(), translation.fromStart(),
                        ratiosFromStart.get(round - 1));
            }
            System.out.printf("ratio: median %s of %d rounds, from the first commit on; from start: median %s%n",
                    median(ratios), rounds, median(ratiosFromStart));
            printDeduplicationState(bootstrap, config, topics, rounds);
        }
    }

    /**
     * The deduplication store of the translation run ({@code dedup.window}, on by default), after the run closed (so
     * that RocksDB flushed it): its files under the state dir, and its changelog on the broker, per million messageIds
     * translated (the changelog's committed records, one per messageId).
     */
    private static void printDeduplicationState(String bootstrap, AppConfig config, TopicNames topics, int rounds) throws Exception {
        String store = TranslationTopology.DEDUP_STORE;
        String changelog = "bench-translation-" + store + "-changelog";
        Path appState = Path.of(config.get("state.dir")).resolve("bench-translation");
        long storeBytes = 0;
        long stateBytes = 0;
        if (Files.isDirectory(appState)) { // an in-memory store leaves at most its checkpoint files
            try (Stream<Path> files = Files.walk(appState)) {
                List<Path> all = files.filter(Files::isRegularFile).toList();
                stateBytes = sizeOf(all);
                storeBytes = sizeOf(all.stream().filter(file -> inStore(appState.relativize(file), store)).toList());
            }
        }
        long changelogBytes;
        long changelogEnd;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            if (!admin.listTopics().names().get().contains(changelog)) {
                System.out.printf("dedup store %s: none (no changelog %s: dedup.window=0?)%n", store, changelog);
                return;
            }
            List<TopicPartition> partitions = admin.describeTopics(List.of(changelog)).allTopicNames().get().get(changelog).partitions()
                    .stream().map(partition -> new TopicPartition(changelog, partition.partition())).toList();
            List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(Node::id).toList();
            changelogBytes = admin.describeLogDirs(brokers).allDescriptions().get().values().stream()
                    .flatMap(dirs -> dirs.values().stream())
                    .flatMap(dir -> dir.replicaInfos().entrySet().stream())
                    .filter(replica -> partitions.contains(replica.getKey()))
                    .mapToLong(replica -> replica.getValue().size()).sum();
            changelogEnd = endOffsets(admin, changelog).values().stream().mapToLong(Long::longValue).sum();
        }
        long changelogRecords = countCommitted(bootstrap, changelog);
        long requests = countCommitted(bootstrap, topics.requests()) / rounds; // every round wrote the same requests
        double millions = changelogRecords / 1e6;
        System.out.printf("dedup store %s: %,d messageIds (changelog records, read_committed; %,d requests)%n", store, changelogRecords, requests);
        System.out.printf("  on disk: %,d bytes (%,.0f bytes per million messageIds; the whole state dir of bench-translation: %,d bytes)%n",
                storeBytes, storeBytes / millions, stateBytes);
        System.out.printf("  changelog %s: %,d bytes on the broker (%,.0f per million), end offsets %,d (%,.0f per million; they count transaction markers too)%n",
                changelog, changelogBytes, changelogBytes / millions, changelogEnd, changelogEnd / millions);
    }

    private static boolean inStore(Path relative, String store) {
        for (Path part : relative) {
            if (part.toString().equals(store) || part.toString().startsWith(store + ".")) {
                return true;
            }
        }
        return false;
    }

    private static long sizeOf(List<Path> files) throws IOException {
        long total = 0;
        for (Path file : files) {
            total += Files.size(file);
        }
        return total;
    }

    /** The records a read_committed consumer reads from the beginning to the end offsets. */
    private static long countCommitted(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                     ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                     ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Map<TopicPartition, Long> ends = endOffsets(admin, topic);
            consumer.assign(ends.keySet());
            consumer.seekToBeginning(ends.keySet());
            long count = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (ends.keySet().stream().anyMatch(partition -> consumer.position(partition) < ends.get(partition))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read " + topic + " to its end " + ends);
                }
                count += consumer.poll(Duration.ofMillis(200)).count();
            }
            return count;
        }
    }

    private static Topology passThrough(String input) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to("bench.passthrough.out", Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return builder.build();
    }

    private static long produce(String bootstrap, String topic, int count) throws Exception {
        RealisticEvents generator = new RealisticEvents(42, 50_000);
        long bytes = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                RealisticEvents.Event event = generator.next();
                bytes += event.value().length;
                producer.send(new ProducerRecord<>(topic, event.key(), event.value()));
            }
            producer.flush();
        }
        return bytes;
    }

    /** A run's rate: from start, and from its first commit on (start-up, group join and state set-up behind it). */
    private record Rate(double fromStart, double fromFirstCommit, double startUpSeconds) {
    }

    private static Rate measure(String name, AppConfig config, int events, String bootstrap, String input,
                                Function<Properties, Topology> topology) throws Exception {
        Properties properties = KafkaClientSettings.streams(config);
        String group = properties.getProperty("application.id");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
             KafkaStreams streams = new KafkaStreams(topology.apply(properties), properties)) {
            Map<TopicPartition, Long> ends = endOffsets(admin, input);
            long start = System.nanoTime();
            long firstCommitAt = 0;
            long firstCommitted = 0;
            streams.start();
            long committed;
            while ((committed = committed(admin, group, ends.keySet())) < events) {
                if (streams.state() == KafkaStreams.State.ERROR) {
                    throw new IllegalStateException(name + " failed");
                }
                if (firstCommitAt == 0 && committed > 0) {
                    firstCommitAt = System.nanoTime();
                    firstCommitted = committed;
                }
                TimeUnit.MILLISECONDS.sleep(50); // polling the committed offsets
            }
            long end = System.nanoTime();
            double seconds = (end - start) / 1e9;
            double startUp = firstCommitAt == 0 ? seconds : (firstCommitAt - start) / 1e9;
            double fromFirstCommit = firstCommitAt == 0 ? events / seconds : (events - firstCommitted) / ((end - firstCommitAt) / 1e9);
            System.out.printf("%s: %,d events in %.1f s (first commit after %.1f s; %,.0f events/s from it on)%n",
                    name, events, seconds, startUp, fromFirstCommit);
            // What the running application holds on the heap (its state stores among it), against the other run.
            System.out.printf("%s: heap in use after a GC, the application still running: %,d bytes%n", name, usedHeapAfterGc());
            streams.close(Duration.ofSeconds(30));
            return new Rate(events / seconds, fromFirstCommit, startUp);
        }
    }

    private static String median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return String.format("%.2f (lowest %.2f, highest %.2f)", sorted.get(sorted.size() / 2), sorted.get(0), sorted.get(sorted.size() - 1));
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(request).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> ((ListOffsetsResult.ListOffsetsResultInfo) e.getValue()).offset()));
    }

    private static long committed(Admin admin, String group, java.util.Set<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        return partitions.stream().map(offsets::get).filter(java.util.Objects::nonNull).mapToLong(OffsetAndMetadata::offset).sum();
    }
}

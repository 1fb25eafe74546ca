package io.segmentrefiner.delivery;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.deadletter.TextHeaders;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.registry.ConfluentAvroSerde;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RequestRecords;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delivery engine when the Kafka client misbehaves in ways a real broker does not produce on demand: commits
 * that fail, a committed offset that cannot be read. Kafka's {@link MockConsumer} and {@link MockProducer} stand in
 * for the clients; records and rebalances reach the consumer only through poll tasks, on the engine's poll thread.
 */
class DeliveryEngineTest {

    private static final String REQUESTS = "refiner.requests";
    private static final String RETRIES = "refiner.requests.retry";
    private static final String DEAD_LETTERS = "refiner.dead-letters";
    private static final TopicPartition P0 = new TopicPartition(REQUESTS, 0);
    private static final TopicPartition P1 = new TopicPartition(REQUESTS, 1);
    private static final TopicPartition RETRY0 = new TopicPartition(RETRIES, 0);
    private static final TopicPartition RETRY1 = new TopicPartition(RETRIES, 1);
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration NEVER_BY_TIMER = Duration.ofHours(1);

    private final String registryScope = "delivery-engine-test-" + UUID.randomUUID();
    private final InMemorySchemaRegistry registry = InMemorySchemaRegistry.scope(registryScope);
    private final ConfluentAvroSerde<RefinerRequestRecord> serde = new ConfluentAvroSerde<>(registry, RefinerRequestRecord.getClassSchema());
    private final RecordingApi api = new RecordingApi();
    private FaultyConsumer consumer;
    // What the engine writes is acknowledged with offsets per partition, as a broker does (MockProducer counts one for
    // all), and what it writes to the retry topic is read back by its consumer.
    private final Map<TopicPartition, java.util.concurrent.atomic.AtomicLong> written = new java.util.concurrent.ConcurrentHashMap<>();
    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
        @Override
        public synchronized java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
                org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> record, org.apache.kafka.clients.producer.Callback callback) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition() == null ? 0 : record.partition());
            long offset = written.computeIfAbsent(partition, p -> new java.util.concurrent.atomic.AtomicLong()).getAndIncrement();
            org.apache.kafka.clients.producer.RecordMetadata metadata = new org.apache.kafka.clients.producer.RecordMetadata(partition, offset, 0, 0L, 0, 0);
            return super.send(record, (ignored, error) -> {
                callback.onCompletion(metadata, error);
                if (error == null && record.topic().equals(RETRIES)) {
                    consumer.arrives(new ConsumerRecord<>(record.topic(), partition.partition(), offset, 0L,
                            org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0, 0, record.key(), record.value(),
                            record.headers(), Optional.empty()));
                }
            });
        }
    };
    private DeliveryEngine engine;
    private Set<Thread> threadsBefore;

    @BeforeEach
    void recordThreads() {
        threadsBefore = deliveryThreads();
    }

    @AfterEach
    void tearDown() {
        try {
            if (engine != null) {
                engine.close();
                assertThat(engine.stopped()).as("delivery has stopped after close").isDone();
                assertThat(consumer.closed()).as("the consumer is closed").isTrue();
                assertThat(producer.closed()).as("the producer is closed").isTrue();
                assertThat(api.closed).as("the API client is closed").isTrue();
            }
            Await.until("the engine's threads to end", WAIT, () -> deliveryThreads().stream().allMatch(threadsBefore::contains));
        } finally {
            InMemorySchemaRegistry.drop(registryScope);
        }
    }

    // ---- the tests ------------------------------------------------------------------------------------------------

    @Test
    void deliveredRequestsHaveTheOffsetAfterTheLastOneCommitted() {
        FaultyConsumer faulty = new FaultyConsumer();
        consumer = faulty;
        List<ConsumerRecord<byte[], byte[]>> records = List.of(
                record(P0, 0, "u-1", "m-0"), record(P0, 1, "u-2", "m-1"), record(P0, 2, "u-1", "m-2"));
        start(Duration.ofMillis(50));
        faulty.schedulePollTask(() -> {
            assign(faulty, P0);
            records.forEach(faulty::append);
        });

        OffsetAndMetadata committed = Await.until("P0 committed up to offset 3", WAIT, () -> {
            OffsetAndMetadata offset = consumer.committed(Set.of(P0)).get(P0);
            return offset != null && offset.offset() == 3 ? offset : null;
        });

        assertThat(api.calls()).containsExactlyInAnyOrder(
                call("u-1", "m-0"), call("u-2", "m-1"), call("u-1", "m-2"));
        assertThat(api.keys()).as("a contact's requests go out in partition order").containsSubsequence("m-0", "m-2");
        assertThat(committed.metadata()).as("nothing done above the committed offset").isEmpty();
        assertThat(engine.health()).isEqualTo(DeliveryHealth.RUNNING);
    }

    @Test
    void aFailedAsyncCommitIsSentAgainByTheNextCommit() {
        FaultyConsumer faulty = new FaultyConsumer();
        faulty.failingCommitAsyncs.set(1);
        faulty.failingCommitAsyncsFrom.set(1); // a commit made before m-0 is done still says 0: it is not the one to fail
        consumer = faulty;
        ConsumerRecord<byte[], byte[]> request = record(P0, 0, "u-1", "m-0");
        start(Duration.ofMillis(50));
        faulty.schedulePollTask(() -> {
            assign(faulty, P0);
            faulty.append(request);
        });

        Await.until("P0 committed up to offset 1 after all", WAIT, () -> faulty.committedOffset(P0) == 1);

        // Only P0's offsets past m-0: when the retry partition's own (its owner record, 0) goes along, and whether the
        // commit interval passed once before m-0's answer came back, depend on timing.
        assertThat(faulty.commits.stream().filter(commit -> commit.offsets().containsKey(P0) && commit.offsets().get(P0).offset() >= 1)
                .map(commit -> commit.how() + " " + commit.offsets().get(P0).offset() + (commit.failed() ? " failed" : "")))
                .as("the failed commit, then the same offset again")
                .containsExactly(Commit.ASYNC + " 1 failed", Commit.ASYNC + " 1");
        assertThat(api.keys()).containsExactly("m-0");
        assertThat(engine.health()).isEqualTo(DeliveryHealth.RUNNING);
    }

    @Test
    void aCommitThatFailsWhilePartitionsAreRevokedDoesNotStopDelivery() {
        FaultyConsumer faulty = new FaultyConsumer();
        faulty.failingRevocationCommits.set(1);
        consumer = faulty;
        ConsumerRecord<byte[], byte[]> beforeRebalance = record(P0, 0, "u-1", "m-0");
        ConsumerRecord<byte[], byte[]> afterRebalance = record(P1, 0, "u-2", "m-1");
        // No commit on the timer: the only commit before close is the one on handing P0 back.
        start(NEVER_BY_TIMER);
        faulty.schedulePollTask(() -> {
            assign(faulty, P0);
            faulty.append(beforeRebalance);
        });
        Await.until("the request of P0 delivered", WAIT, () -> api.keys().equals(List.of("m-0")));

        faulty.schedulePollTask(() -> {
            faulty.updateEndOffsets(Map.of(RETRY1, 0L));
            faulty.rebalance(List.of(P1, RETRY1));
            faulty.append(afterRebalance);
        });
        Await.until("the request of the newly assigned P1 delivered", WAIT, () -> api.keys().equals(List.of("m-0", "m-1")));

        assertThat(faulty.commits).as("committing P0 on its revocation was tried, and failed")
                .containsExactly(new Commit(Commit.SYNC, Map.of(P0, new OffsetAndMetadata(1, ""), RETRY0, new OffsetAndMetadata(0)), true));
        assertThat(engine.health()).isEqualTo(DeliveryHealth.RUNNING);
        assertThat(engine.stopped()).isNotDone();

        engine.close();
        assertThat(engine.stopped()).isCompletedWithValue(DeliveryHealth.STOPPED);
        assertThat(faulty.commits).as("the last commit covers what P1 delivered")
                .last().isEqualTo(new Commit(Commit.SYNC, Map.of(P1, new OffsetAndMetadata(1, ""), RETRY1, new OffsetAndMetadata(0)), false));
    }

    @Test
    void aTimeoutReadingTheCommittedOffsetsOfNewPartitionsReadsTheirRecordsAgain() {
        FaultyConsumer faulty = new FaultyConsumer();
        faulty.failingCommittedReads.set(1);
        consumer = faulty;
        List<ConsumerRecord<byte[], byte[]>> records = List.of(record(P0, 0, "u-1", "m-0"), record(P0, 1, "u-2", "m-1"),
                record(P1, 0, "u-3", "m-2"));
        start(Duration.ofMillis(50));
        faulty.schedulePollTask(() -> {
            assign(faulty, P0, P1);
            records.forEach(faulty::append);
        });

        Await.until("P0 committed up to offset 2 and P1 up to 1", WAIT,
                () -> faulty.committedOffset(P0) == 2 && faulty.committedOffset(P1) == 1);

        assertThat(faulty.committedReadTimeouts).as("reading the committed offsets timed out once").hasValue(1);
        assertThat(faulty.committedReads.get(0)).as("one read for all the new partitions of a batch, not one each")
                .containsExactlyInAnyOrder(P0, P1);
        assertThat(api.keys()).as("each request sent exactly once").containsExactlyInAnyOrder("m-0", "m-1", "m-2");
        assertThat(engine.health()).isEqualTo(DeliveryHealth.RUNNING);
        assertThat(engine.stopped()).isNotDone();
    }

    @Test
    void aPairSplitAcrossReadersStopsDeliveryAndSaysWhy() {
        FaultyConsumer faulty = new FaultyConsumer();
        consumer = faulty;
        start(Duration.ofMillis(50));
        faulty.schedulePollTask(() -> {
            faulty.updateBeginningOffsets(Map.of(P0, 0L, RETRY1, 0L));
            faulty.updateEndOffsets(Map.of(RETRY1, 0L));
            faulty.rebalance(List.of(P0, RETRY1)); // as when the topics' partition counts differ
            faulty.append(record(P0, 0, "u-1", "m-0"));
        });

        assertThat(engine.stopped()).succeedsWithin(WAIT).isEqualTo(DeliveryHealth.FAILED);
        assertThat(engine.problem()).hasValueSatisfying(problem -> assertThat(problem)
                .contains("[0] of " + REQUESTS, "[1] of " + RETRIES, "the same number of partitions"));
        assertThat(api.keys()).as("nothing sent out of its order").isEmpty();
    }

    @Test
    void aRecordOfTheRetryTopicWhoseHeadersCannotBeReadIsDeadLetteredAndDeliveryGoesOn() {
        FaultyConsumer faulty = new FaultyConsumer();
        consumer = faulty;
        written.put(RETRY0, new java.util.concurrent.atomic.AtomicLong(1)); // the engine's owner record comes after it
        ConsumerRecord<byte[], byte[]> damaged = new ConsumerRecord<>(RETRIES, 0, 0, 0L, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                0, 0, "u-1".getBytes(StandardCharsets.UTF_8), record(P0, 0, "u-1", "m-0").value(),
                new org.apache.kafka.common.header.internals.RecordHeaders().add(RetryHeaders.KIND, "retry".getBytes(StandardCharsets.UTF_8))
                        .add(RetryHeaders.DUE, "tomorrow".getBytes(StandardCharsets.UTF_8)), Optional.empty());
        start(Duration.ofMillis(50));
        faulty.schedulePollTask(() -> {
            assign(faulty, P0);
            faulty.updateEndOffsets(Map.of(RETRY0, 1L));
            faulty.append(damaged);
            faulty.append(record(P0, 0, "u-2", "m-1"));
        });

        Await.until("the request of P0 delivered", WAIT, () -> api.keys().equals(List.of("m-1")));
        org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> deadLetter = Await.until("its dead letter", WAIT, () ->
                producer.history().stream().filter(record -> record.topic().equals(DEAD_LETTERS)).findFirst().orElse(null));

        assertThat(io.segmentrefiner.deadletter.TextHeaders.read(deadLetter.headers(), io.segmentrefiner.deadletter.DeadLetterHeaders.REASON))
                .contains("UNREADABLE_REQUEST");
        assertThat(io.segmentrefiner.deadletter.TextHeaders.read(deadLetter.headers(), io.segmentrefiner.deadletter.DeadLetterHeaders.ORIGIN_TOPIC))
                .contains(RETRIES);
        assertThat(engine.health()).isEqualTo(DeliveryHealth.RUNNING);
    }

    @Test
    void refinersAnswersAreHandledOnTheAnswersThreadNotOnHttpClientsIoThreads() throws Exception {
        FaultyConsumer faulty = new FaultyConsumer();
        consumer = faulty;
        // Each contact's second request goes out from whichever thread handled the answer to its first.
        Map<String, String> sentOn = new java.util.concurrent.ConcurrentHashMap<>();
        try (RefinerStub stub = RefinerStub.start()) {
            stub.answer(request -> RefinerStub.Answer.ok().after(Duration.ofMillis(200)));
            HttpRefinerApi http = new HttpRefinerApi(stub.url(), "rk_test_key", 8, Duration.ofSeconds(5), "test");
            start(Duration.ofMillis(50), new RefinerApi() {
                @Override
                public CompletableFuture<ApiResponse> send(ApiCall call) {
                    sentOn.put(call.idempotencyKey().orElseThrow(), Thread.currentThread().getName());
                    return http.send(call);
                }

                @Override
                public void close() {
                    http.close();
                    api.close();
                }
            });
            faulty.schedulePollTask(() -> {
                assign(faulty, P0);
                List.of(record(P0, 0, "u-1", "m-0"), record(P0, 1, "u-2", "m-1"), record(P0, 2, "u-1", "m-2"), record(P0, 3, "u-2", "m-3"))
                        .forEach(faulty::append);
            });

            Await.until("every request delivered", WAIT, () -> stub.delivered().size() == 4);

            assertThat(sentOn).as("the first requests go out from the poll thread, the second ones from the thread that had the answer")
                    .containsEntry("m-0", "refiner-delivery").containsEntry("m-1", "refiner-delivery")
                    .containsEntry("m-2", "refiner-delivery-answers").containsEntry("m-3", "refiner-delivery-answers");
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private void start(Duration commitInterval) {
        start(commitInterval, api);
    }

    private void start(Duration commitInterval, RefinerApi refiner) {
        DeliverySettings settings = new DeliverySettings("http://refiner.invalid", "rk_test_key", REQUESTS, RETRIES,
                DEAD_LETTERS, 8, 0, new RetryPolicy(Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofMinutes(1)),
                Duration.ofSeconds(2), Duration.ofSeconds(1), commitInterval, 1_000);
        engine = new DeliveryEngine(settings, consumer, producer, refiner, registry, serde.deserializer(), new SimpleMeterRegistry());
        engine.start();
    }

    /**
     * The first assignment, as MockConsumer wants it for subscribe(): the requests partitions with the retry
     * partitions of their pairs (empty), and where they begin. Poll thread only.
     */
    private static void assign(MockConsumer<byte[], byte[]> consumer, TopicPartition... partitions) {
        Map<TopicPartition, Long> beginnings = new HashMap<>();
        for (TopicPartition partition : List.of(P0, P1, RETRY0, RETRY1)) {
            beginnings.put(partition, 0L);
        }
        consumer.updateBeginningOffsets(beginnings);
        consumer.updateEndOffsets(Map.of(RETRY0, 0L, RETRY1, 0L));
        List<TopicPartition> assignment = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            assignment.add(partition);
            assignment.add(new TopicPartition(RETRIES, partition.partition()));
        }
        consumer.rebalance(assignment);
    }

    /** A request as translation writes it: Avro in the Confluent wire format, keyed by contact. */
    private ConsumerRecord<byte[], byte[]> record(TopicPartition partition, long offset, String contact, String messageId) {
        RefinerRequestRecord request = RequestRecords.track(messageId, contact, messageId);
        return new ConsumerRecord<>(partition.topic(), partition.partition(), offset,
                contact.getBytes(StandardCharsets.UTF_8), serde.serializer().serialize(partition.topic(), request));
    }

    private static String body(String contact, String messageId) {
        return "{\"id\":\"" + contact + "\",\"event\":\"" + messageId + "\"}";
    }

    private static ApiCall call(String contact, String messageId) {
        return new ApiCall("POST", "/v1/track-event", body(contact, messageId), Optional.of(messageId));
    }

    private static Set<Thread> deliveryThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().startsWith("refiner-delivery"))
                .collect(Collectors.toSet());
    }

    /** Refiner answering 200 at once, recording what it was sent. */
    private static final class RecordingApi implements RefinerApi {

        private final List<ApiCall> calls = new CopyOnWriteArrayList<>();
        volatile boolean closed;

        @Override
        public CompletableFuture<ApiResponse> send(ApiCall call) {
            calls.add(call);
            return CompletableFuture.completedFuture(ApiResponse.of(200, Optional.empty(), ""));
        }

        List<ApiCall> calls() {
            return List.copyOf(calls);
        }

        List<String> keys() {
            return calls.stream().map(call -> call.idempotencyKey().orElse(null)).toList();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** One commit the engine asked for, and whether it failed. */
    private record Commit(String how, Map<TopicPartition, OffsetAndMetadata> offsets, boolean failed) {
        static final String ASYNC = "commitAsync";
        static final String SYNC = "commitSync";
    }

    /**
     * MockConsumer with injected faults: failing commits and a committed offset that cannot be read. It keeps each
     * partition's records, so that a seek back reads them again as from a broker (MockConsumer forgets polled records).
     */
    private static final class FaultyConsumer extends MockConsumer<byte[], byte[]> {

        final AtomicInteger failingCommitAsyncs = new AtomicInteger();
        // Only an async commit of a requests partition at this offset or above counts towards failingCommitAsyncs.
        final AtomicLong failingCommitAsyncsFrom = new AtomicLong();
        final AtomicInteger failingRevocationCommits = new AtomicInteger();
        final AtomicInteger failingCommittedReads = new AtomicInteger();
        final AtomicInteger committedReadTimeouts = new AtomicInteger();
        final List<Set<TopicPartition>> committedReads = new CopyOnWriteArrayList<>();
        final List<Commit> commits = new CopyOnWriteArrayList<>();
        private final Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> log = new HashMap<>();
        private final List<Runnable> failedCommitCallbacks = new ArrayList<>();
        private final AtomicBoolean rebalancing = new AtomicBoolean();
        private boolean committingSync;

        FaultyConsumer() {
            super("earliest");
        }

        private final java.util.Queue<ConsumerRecord<byte[], byte[]>> arriving = new java.util.concurrent.ConcurrentLinkedQueue<>();

        /** A record written by the engine, read by the next poll: without this consumer's lock, held by a poll in a rebalance. */
        void arrives(ConsumerRecord<byte[], byte[]> record) {
            arriving.add(record);
        }

        /** Appends a record to its partition: polled next, and again after a seek back to it. Poll thread only. */
        synchronized void append(ConsumerRecord<byte[], byte[]> record) {
            log.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), p -> new ArrayList<>()).add(record);
            addRecord(record);
        }

        /** What is committed for a partition, -1 for nothing; for the test thread, never a failure. */
        synchronized long committedOffset(TopicPartition partition) {
            OffsetAndMetadata committed = super.committed(Set.of(partition)).get(partition);
            return committed == null ? -1 : committed.offset();
        }

        private static boolean take(AtomicInteger failures) {
            return failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        }

        @Override
        public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            // As KafkaConsumer does, a failed async commit is reported later, on the polling thread.
            List<Runnable> callbacks = new ArrayList<>(failedCommitCallbacks);
            failedCommitCallbacks.clear();
            callbacks.forEach(Runnable::run);
            for (ConsumerRecord<byte[], byte[]> record = arriving.poll(); record != null; record = arriving.poll()) {
                append(record);
            }
            return super.poll(timeout);
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
            if (committingSync) { // MockConsumer's commitSync commits through commitAsync
                super.commitAsync(offsets, callback);
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> asked = Map.copyOf(offsets);
            if (asked.entrySet().stream().anyMatch(entry -> entry.getKey().topic().equals(REQUESTS)
                    && entry.getValue().offset() >= failingCommitAsyncsFrom.get()) && take(failingCommitAsyncs)) {
                commits.add(new Commit(Commit.ASYNC, asked, true));
                failedCommitCallbacks.add(() -> callback.onComplete(asked,
                        new RetriableCommitFailedException("injected: the group coordinator is not available")));
                return;
            }
            commits.add(new Commit(Commit.ASYNC, asked, false));
            super.commitAsync(offsets, callback);
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            Map<TopicPartition, OffsetAndMetadata> asked = Map.copyOf(offsets);
            if (rebalancing.get() && take(failingRevocationCommits)) {
                commits.add(new Commit(Commit.SYNC, asked, true));
                throw new TimeoutException("injected: committing offsets timed out");
            }
            commits.add(new Commit(Commit.SYNC, asked, false));
            committingSync = true;
            try {
                super.commitSync(offsets);
            } finally {
                committingSync = false;
            }
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
            committedReads.add(Set.copyOf(partitions));
            if (take(failingCommittedReads)) {
                committedReadTimeouts.incrementAndGet();
                throw new TimeoutException("injected: timed out reading the committed offsets of " + partitions);
            }
            return super.committed(partitions);
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
            return committed(partitions);
        }

        @Override
        public synchronized void rebalance(Collection<TopicPartition> newAssignment) {
            rebalancing.set(true);
            try {
                super.rebalance(newAssignment);
            } finally {
                rebalancing.set(false);
            }
        }

        @Override
        public synchronized void seek(TopicPartition partition, long offset) {
            super.seek(partition, offset);
            // A real consumer fetches again from the new position. Only called when what was polled of the
            // partition has been handed out, so nothing is queued twice.
            refetch(partition, offset);
        }

        @Override
        public synchronized void resume(Collection<TopicPartition> partitions) {
            super.resume(partitions);
            // MockConsumer drops the records of paused partitions at each poll; a broker keeps them.
            for (TopicPartition partition : partitions) {
                refetch(partition, position(partition));
            }
        }

        private void refetch(TopicPartition partition, long from) {
            for (ConsumerRecord<byte[], byte[]> record : log.getOrDefault(partition, List.of())) {
                if (record.offset() >= from) {
                    addRecord(record);
                }
            }
        }
    }
}

package io.segmentrefiner.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.registry.SchemaRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Delivers the requests of {@code refiner.requests} to Refiner: a poll loop that reads the requests topic and the
 * retry topic, hands what it reads to the {@link ContactScheduler}, and pauses what must not be read now; the
 * {@link PartitionCommits} commit what the scheduler says is durable and hand pairs over. Partition {@code i} of both
 * topics is one pair, handed over together (the consumer assigns by range); a new owner reads the pair's retry
 * partition to its end before its requests, so that it knows which contacts wait.
 *
 * <p>Which thread does what:
 * <ul>
 *   <li>{@code refiner-delivery}, the poll thread: polls, hands records to the {@link RecordIntake}, pauses and
 *       resumes partitions, commits, and runs the rebalance listener (which waits for a revoked pair's requests in
 *       flight). It is the only thread that uses the consumer; others only wake it up.</li>
 *   <li>HttpClient's I/O reactor threads ({@code httpclient-dispatch-*}) complete each request's future. They only
 *       note when the answer came and queue it for the answers thread: none of them waits for the scheduler's lock,
 *       or for a send.</li>
 *   <li>{@code refiner-delivery-answers} hands Refiner's answers and the broker's acknowledgements to the scheduler,
 *       one at a time, in the order they came.</li>
 *   <li>{@code refiner-delivery-timer} calls the scheduler when a retry is due, the throttle has a token again or
 *       the breaker's probe is due.</li>
 *   <li>{@code refiner-delivery-writer}, the {@link OutcomeWriter}'s, is the only one that calls the producer,
 *       whose send can block; the scheduler only queues records for it. The producer's own I/O thread only queues
 *       its acknowledgements for the answers thread.</li>
 *   <li>{@code refiner-delivery-schemas}, the {@link RequestDecoder}'s, asks the schema registry.</li>
 * </ul>
 * Requests go out from whichever of the poll, answers and timer threads let them, outside the scheduler's lock;
 * HttpClient's {@code execute} only queues them.
 *
 * <p>It is somewhat past 300 lines for this description and its public face (health, problem, close); the loop
 * itself, with the catching up and the pauses it decides on, is some two hundred.
 */
public final class DeliveryEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);
    // Short enough that a due retry or a resumed partition waits at most this; the scheduler's own wake-ups are exact.
    private static final Duration POLL = Duration.ofMillis(100);
    // How long close waits for the poll thread: the drain's 30 s, the last commit, and the writer's and the producer's
    // 10 s each after it.
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);
    // Requests that may wait in contacts' queues: 16 per slot keeps every slot busy while the next poll comes, and
    // at least 1,000 so that a small max.in.flight still reads ahead of contacts that wait.
    private static final int QUEUED_PER_SLOT = 16;
    private static final int QUEUED_AT_LEAST = 1_000;

    private final DeliverySettings settings;
    private final Consumer<byte[], byte[]> consumer;
    private final OutcomeWriter writer;
    private final RefinerApi api;
    private final RequestDecoder decoder;
    private final ContactScheduler scheduler;
    private final RecordIntake intake;
    private final PartitionCommits commits;
    private final DeliveryMetrics metrics;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("refiner-delivery-timer"));
    private final ExecutorService answers = Executors.newSingleThreadExecutor(DaemonThreads.named("refiner-delivery-answers"));
    private final Thread pollThread;
    private final CompletableFuture<DeliveryHealth> stopped = new CompletableFuture<>();
    private volatile boolean running = true;
    private volatile boolean started;
    private volatile boolean failed;
    private volatile String failure = "";
    private volatile int partitionsWaitingForRegistry;

    // Poll thread only.
    private final Map<TopicPartition, Integer> waitingForSchema = new HashMap<>();

    public DeliveryEngine(DeliverySettings settings, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
                          RefinerApi api, SchemaRegistry registry, Deserializer<RefinerRequestRecord> requests, MeterRegistry meters) {
        this.settings = settings;
        this.consumer = consumer;
        this.api = api;
        this.decoder = new RequestDecoder(registry, requests);
        this.metrics = new DeliveryMetrics(meters);
        this.scheduler = new ContactScheduler(settings, new Effects(), metrics, Clock.systemUTC(), System::nanoTime);
        this.writer = new OutcomeWriter(producer, scheduler::current, (write, offset) -> answer(() -> scheduler.written(write, offset)),
                error -> fail("Writing a record of a line or a dead letter failed", error));
        this.intake = new RecordIntake(settings, decoder, scheduler);
        this.commits = new PartitionCommits(settings, consumer, scheduler, partitions -> waitingForSchema.keySet().removeAll(partitions));
        metrics.gauges(scheduler, () -> health() == DeliveryHealth.PAUSED_UNAUTHORIZED ? 1 : 0, () -> partitionsWaitingForRegistry);
        this.pollThread = new Thread(this::pollLoop, "refiner-delivery");
    }

    public void start() {
        pollThread.start();
    }

    /** The kinds of failure delivery met since the start, each with its last sample. */
    public DeliveryFailures failures() {
        return metrics.failures();
    }

    /** What delivery is doing, the worst first: failed, the key refused, waiting for the registry or for commits, running. */
    public DeliveryHealth health() {
        if (failed) {
            return DeliveryHealth.FAILED;
        }
        if (stopped.isDone()) {
            return DeliveryHealth.STOPPED;
        }
        if (scheduler.unauthorized()) {
            return DeliveryHealth.PAUSED_UNAUTHORIZED;
        }
        if (partitionsWaitingForRegistry > 0 && decoder.registryProblem().isPresent()) {
            return DeliveryHealth.WAITING_FOR_REGISTRY;
        }
        if (commits.holdingForCommits()) {
            return DeliveryHealth.WAITING_FOR_COMMITS;
        }
        return started ? DeliveryHealth.RUNNING : DeliveryHealth.STARTING;
    }

    /** Why delivery does not do its job now, in a sentence; empty while it does. */
    public Optional<String> problem() {
        return switch (health()) {
            case FAILED -> Optional.of("stopped on an error (" + failure + "); restart it");
            case PAUSED_UNAUTHORIZED -> Optional.of("paused: Refiner refuses the API key (401/403); check refiner.api.key");
            case WAITING_FOR_REGISTRY -> Optional.of("waiting for the schema registry (" + partitionsWaitingForRegistry + " partitions held): "
                    + decoder.registryProblem().orElse("no answer"));
            case WAITING_FOR_COMMITS -> Optional.of("waiting: its offsets could not be committed for " + PartitionCommits.COMMIT_STALL.toSeconds()
                    + " s (is the broker away?); sending goes on once they can");
            case STOPPED -> Optional.of("stopped");
            case STARTING, RUNNING -> Optional.empty();
        };
    }

    /** Completes when delivery has stopped: {@code STOPPED} after a close, {@code FAILED} after an error. */
    public CompletableFuture<DeliveryHealth> stopped() {
        return stopped;
    }

    // ---- the poll thread ------------------------------------------------------------------------------------------

    private void pollLoop() {
        try {
            consumer.subscribe(List.of(settings.requestsTopic(), settings.retryTopic()), commits);
            started = true;
            while (running) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(POLL);
                } catch (WakeupException closing) {
                    continue;
                }
                Set<TopicPartition> assigned = consumer.assignment();
                commits.prepare(assigned);
                for (TopicPartition partition : records.partitions()) {
                    for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                        OptionalInt schema = intake.handle(partition, record);
                        if (schema.isPresent()) {
                            waitingForSchema.put(partition, schema.getAsInt());
                            consumer.seek(partition, record.offset()); // read it again once it can be handled
                            break;
                        }
                    }
                }
                catchUp(assigned);
                adjustPauses(assigned);
                scheduler.tick();
                commits.commitIfDue();
            }
        } catch (RuntimeException e) {
            log.error("Delivery stopped on an error: {}", e.toString(), e);
            failure = e.getMessage();
            failed = true;
        } finally {
            drainAndClose();
        }
    }

    /** A pair whose retry partition has been read past this reader's owner record knows its lines. */
    private void catchUp(Set<TopicPartition> assigned) {
        for (TopicPartition partition : assigned) {
            int pair = partition.partition();
            Optional<Long> end = scheduler.catchUpEnd(pair);
            if (!partition.topic().equals(settings.retryTopic()) || scheduler.linesKnown(pair) || end.isEmpty()
                    || !scheduler.requestsOpen(pair) || waitingForSchema.containsKey(partition)) {
                continue;
            }
            try {
                if (consumer.position(partition, PartitionCommits.LOOKUP_TIMEOUT) >= end.get()) {
                    scheduler.caughtUp(pair);
                }
            } catch (RetriableException brokerAway) {
                // asked again on the next poll
            }
        }
    }

    /**
     * Pauses what must not be read now: a requests partition until its pair's lines are known, every requests
     * partition while too much waits in memory, and a partition whose next record waits for its schema.
     */
    private void adjustPauses(Set<TopicPartition> assigned) {
        waitingForSchema.values().removeIf(decoder::settled);
        partitionsWaitingForRegistry = waitingForSchema.size();
        boolean full = scheduler.queued() >= queueLimit() || scheduler.held() >= settings.heldMax();
        Set<TopicPartition> wanted = new HashSet<>(waitingForSchema.keySet());
        for (TopicPartition partition : assigned) {
            if (partition.topic().equals(settings.requestsTopic()) && (full || !scheduler.linesKnown(partition.partition()))) {
                wanted.add(partition);
            }
        }
        Set<TopicPartition> paused = consumer.paused();
        List<TopicPartition> toPause = wanted.stream().filter(p -> !paused.contains(p) && assigned.contains(p)).toList();
        List<TopicPartition> toResume = paused.stream().filter(p -> !wanted.contains(p)).toList();
        if (!toPause.isEmpty()) {
            consumer.pause(toPause);
        }
        if (!toResume.isEmpty()) {
            consumer.resume(toResume);
        }
    }

    /** How many requests may wait in contacts' queues: enough to keep every slot busy many times over. */
    private int queueLimit() {
        return Math.max(QUEUED_AT_LEAST, settings.maxInFlight() * QUEUED_PER_SLOT);
    }

    private void drainAndClose() {
        running = false;
        scheduler.stop();
        Set<Integer> pairs = scheduler.pairs();
        if (!scheduler.awaitQuiet(pairs, PartitionCommits.DRAIN_TIMEOUT)) {
            log.warn("Requests still in flight after {}; they will be sent again by the next reader", PartitionCommits.DRAIN_TIMEOUT);
        }
        try {
            commits.commitNow();
        } catch (RuntimeException e) {
            log.warn("The last commit of delivery failed; the requests since the previous one will be sent again: {}", e.toString());
        }
        timer.shutdownNow();
        consumer.close();
        writer.close();
        api.close();
        answers.shutdown(); // after the writer and the client: what they still answer is handed to the scheduler
        decoder.close();
        stopped.complete(failed ? DeliveryHealth.FAILED : DeliveryHealth.STOPPED);
    }

    /** Stops delivery on an error: what has no durable outcome is read again after a restart. */
    private void fail(String what, Throwable error) {
        log.error("{}; delivery stops so that the requests without an outcome are read again after a restart: {}",
                what, error.toString(), error);
        failure = what + ": " + error;
        failed = true;
        running = false;
        consumer.wakeup();
    }

    /** Stops polling, lets what is in flight finish (up to 30 s), commits, and closes. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            pollThread.join(CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs what came back on the answers thread; after the stop, when that thread is gone, it is dropped. */
    private void answer(Runnable task) {
        try {
            answers.execute(task);
        } catch (RejectedExecutionException stopped) {
            // delivery has stopped: what is not durable is read again by the next reader
        }
    }

    /** What the scheduler decides, done: requests to Refiner, records to the writer, wake-ups to the timer. */
    private final class Effects implements ContactScheduler.Effects {
        @Override
        public void send(ContactScheduler.Attempt attempt) {
            RefinerRequestRecord request = attempt.pending().request;
            api.send(new ApiCall(request.getMethod(), request.getPath(), request.getBody(), Optional.ofNullable(request.getMessageId())))
                    .whenComplete((response, error) -> {
                        // On an HttpClient I/O thread (or the caller's, when it failed at once): only noted and handed on.
                        long answeredNanos = System.nanoTime();
                        ApiResponse answer = error != null ? ApiResponse.noResponse(error.toString()) : response;
                        answer(() -> {
                            metrics.answered(Duration.ofNanos(answeredNanos - attempt.startedNanos()));
                            try {
                                scheduler.answered(attempt, answer);
                            } catch (RuntimeException bug) {
                                // On the answers thread nothing else would see it, and the contact would wait forever.
                                fail("Handling Refiner's answer failed", bug);
                            }
                        });
                    });
        }

        @Override
        public void write(Write write) {
            writer.write(write);
        }

        @Override
        public void wakeUpIn(Duration wait) {
            try {
                timer.schedule(scheduler::tick, Math.max(1, TimeUnit.NANOSECONDS.toMicros(wait.toNanos())), TimeUnit.MICROSECONDS);
            } catch (RejectedExecutionException stopped) {
                // delivery has stopped: nothing is sent any more
            }
        }
    }
}

package io.segmentrefiner.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.deadletter.DeadLetter;
import io.segmentrefiner.refiner.Reason;
import io.segmentrefiner.registry.SchemaRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Delivers the requests of {@code refiner.requests} to Refiner: a poll loop that reads the requests topic and the
 * retry topic, hands what it reads to the {@link ContactScheduler}, and commits what the scheduler says is durable.
 *
 * <p>One thread polls and commits; answers arrive on HttpClient's I/O threads and acknowledgements on the producer's,
 * and both only take the scheduler's lock for a moment: records are written from the {@link OutcomeWriter}'s own
 * thread, so that none of them waits on Kafka. Partition {@code i} of both topics is one pair, handed over together
 * (the consumer assigns by range); a new owner reads the pair's retry partition to its end before its requests, so
 * that it knows which contacts wait.
 */
public final class DeliveryEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);
    // Short enough that a due retry or a resumed partition waits at most this; the scheduler's own wake-ups are exact.
    private static final Duration POLL = Duration.ofMillis(100);
    // How long a hand-over or a stop lets the requests in flight finish (HttpClient's own timeout is shorter).
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
    // Commits that fail this long (the broker is away) hold sending: what is delivered meanwhile cannot be recorded, and
    // would be sent again by the next owner if the partitions are handed over. It bounds those duplicates.
    private static final Duration COMMIT_STALL = Duration.ofSeconds(2);
    // Commits fail five times a second while the broker is away: one warning says so, then one every 10 s at most.
    private static final Duration COMMIT_WARNING_EVERY = Duration.ofSeconds(10);
    // A lookup of positions or end offsets during the loop: a broker that does not answer is asked again next poll.
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(2);

    private final DeliverySettings settings;
    private final Consumer<byte[], byte[]> consumer;
    private final OutcomeWriter writer;
    private final RefinerApi api;
    private final RequestDecoder decoder;
    private final ContactScheduler scheduler;
    private final DeliveryMetrics metrics;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "refiner-delivery-timer");
        thread.setDaemon(true);
        return thread;
    });
    private final Thread pollThread;
    private final CompletableFuture<DeliveryHealth> stopped = new CompletableFuture<>();
    private volatile boolean running = true;
    private volatile boolean started;
    private volatile boolean failed;
    private volatile String failure = "";
    private volatile int partitionsWaitingForRegistry;
    private volatile boolean holdingForCommits;

    // Poll thread only.
    private final Map<TopicPartition, Integer> waitingForSchema = new HashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
    private long lastCommitNanos = System.nanoTime();
    private long lastCommitCurrentNanos = System.nanoTime();
    private long lastCommitWarningNanos = System.nanoTime() - COMMIT_WARNING_EVERY.toNanos();
    private int commitFailuresUnlogged;

    public DeliveryEngine(DeliverySettings settings, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
                          RefinerApi api, SchemaRegistry registry, Deserializer<RefinerRequestRecord> requests, MeterRegistry meters) {
        this.settings = settings;
        this.consumer = consumer;
        this.api = api;
        this.decoder = new RequestDecoder(registry, requests);
        this.metrics = new DeliveryMetrics(meters);
        this.scheduler = new ContactScheduler(settings, new Effects(), metrics, Clock.systemUTC(), System::nanoTime);
        this.writer = new OutcomeWriter(producer, scheduler::current, scheduler::written,
                error -> fail("Writing a record of a line or a dead letter failed", error));
        metrics.gauges(scheduler, () -> health() == DeliveryHealth.PAUSED_UNAUTHORIZED ? 1 : 0, () -> partitionsWaitingForRegistry);
        this.pollThread = new Thread(this::pollLoop, "refiner-delivery");
    }

    public void start() {
        pollThread.start();
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
        if (holdingForCommits) {
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
            case WAITING_FOR_COMMITS -> Optional.of("waiting: its offsets could not be committed for " + COMMIT_STALL.toSeconds()
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
            consumer.subscribe(List.of(settings.requestsTopic(), settings.retryTopic()), new Rebalance());
            started = true;
            while (running) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(POLL);
                } catch (WakeupException closing) {
                    continue;
                }
                Set<TopicPartition> assigned = consumer.assignment();
                prepare(assigned);
                for (TopicPartition partition : records.partitions()) {
                    for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                        if (!handle(partition, record)) {
                            consumer.seek(partition, record.offset()); // read it again once it can be handled
                            break;
                        }
                    }
                }
                catchUp(assigned);
                adjustPauses(assigned);
                scheduler.tick();
                commitIfDue(false);
            }
        } catch (RuntimeException e) {
            log.error("Delivery stopped on an error: {}", e.toString(), e);
            failure = e.getMessage();
            failed = true;
        } finally {
            drainAndClose();
        }
    }

    /**
     * Gets the pairs of newly assigned partitions ready: where the last reader of each requests partition stopped
     * (its committed offset, and in the metadata what it finished above it), and this reader's ownership of each
     * retry partition begun. A broker that does not answer now is asked again on the next poll.
     */
    private void prepare(Set<TopicPartition> assigned) {
        Set<Integer> requests = pairsOf(assigned.stream().filter(p -> p.topic().equals(settings.requestsTopic())).toList());
        Set<Integer> retries = pairsOf(assigned.stream().filter(p -> p.topic().equals(settings.retryTopic())).toList());
        if (!requests.equals(retries)) {
            throw new IllegalStateException("Delivery was assigned the partitions " + requests + " of " + settings.requestsTopic()
                    + " and " + retries + " of " + settings.retryTopic() + ": partition i of both goes to the same reader. "
                    + "Both topics need the same number of partitions, and every reader of the group the range assignor");
        }
        Set<TopicPartition> unopened = assigned.stream()
                .filter(partition -> partition.topic().equals(settings.requestsTopic()) && !scheduler.requestsOpen(partition.partition()))
                .collect(Collectors.toSet());
        assigned.stream().filter(partition -> partition.topic().equals(settings.retryTopic()))
                .forEach(partition -> scheduler.beginReign(partition.partition(), consumer.groupMetadata().generationId()));
        try {
            if (!unopened.isEmpty()) {
                Map<TopicPartition, OffsetAndMetadata> last = consumer.committed(unopened, LOOKUP_TIMEOUT);
                for (TopicPartition partition : unopened) {
                    OffsetAndMetadata commit = last.get(partition);
                    scheduler.openRequests(partition.partition(), commit == null ? Set.of()
                            : OffsetTracker.doneIn(commit.offset(), Optional.ofNullable(commit.metadata())));
                }
            }
        } catch (RetriableException brokerAway) {
            log.warn("Delivery could not read where its new partitions stand, asking again: {}", brokerAway.toString());
        }
    }

    /** Hands one record to the scheduler; false when it must wait (its schema is not known yet). */
    private boolean handle(TopicPartition partition, ConsumerRecord<byte[], byte[]> record) {
        int pair = partition.partition();
        DeadLetter.Origin here = new DeadLetter.Origin(record.topic(), record.partition(), record.offset());
        String contact = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        boolean fromRetries = partition.topic().equals(settings.retryTopic());
        RetryHeaders.Entry entry = null;
        if (fromRetries) {
            if (scheduler.linesKnown(pair)) {
                return true; // this reader's own record, known already, or one that counts for nobody
            }
            Optional<RetryHeaders.Entry> read = RetryHeaders.read(record.headers(), here);
            if (read.isEmpty()) {
                scheduler.unreadable(new Pending(pair, contact, here, record.key(), record.value(), RetryHeaders.withoutRetryHeaders(record.headers()),
                        null, RetryHeaders.History.none(here), false), record.offset(), Reason.UNREADABLE_REQUEST, "Its headers of the retry topic cannot be read");
                return true;
            }
            entry = read.get();
            if (!scheduler.counts(pair, entry)) {
                return true; // written by a reader that no longer owned the partition
            }
            if (entry.kind() == RetryHeaders.Kind.RESOLVED || entry.kind() == RetryHeaders.Kind.OWNER) {
                scheduler.replayed(pair, record.offset(), entry, contact, Optional.empty());
                return true;
            }
        }
        RetryHeaders.History history = entry == null ? RetryHeaders.History.none(here) : entry.history();
        RequestDecoder.Decoded decoded = decoder.decode(record.topic(), record.value());
        if (decoded instanceof RequestDecoder.Decoded.SchemaUnavailable unavailable) {
            waitingForSchema.put(partition, unavailable.schemaId());
            return false;
        }
        RefinerRequestRecord request = decoded instanceof RequestDecoder.Decoded.Request readable ? readable.request() : null;
        Pending pending = new Pending(pair, contact, history.origin(), record.key(), record.value(),
                RetryHeaders.withoutRetryHeaders(record.headers()), request, history, !fromRetries);
        if (decoded instanceof RequestDecoder.Decoded.Unreadable unreadable) {
            scheduler.unreadable(pending, fromRetries ? record.offset() : -1, Reason.UNREADABLE_REQUEST, unreadable.why());
        } else if (fromRetries) {
            pending.due = entry.due();
            scheduler.replayed(pair, record.offset(), entry, contact, Optional.of(pending));
        } else {
            scheduler.offer(pending);
        }
        return true;
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
                if (consumer.position(partition, LOOKUP_TIMEOUT) >= end.get()) {
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
        return Math.max(1_000, settings.maxInFlight() * 16);
    }

    private void commitIfDue(boolean now) {
        if (!now && System.nanoTime() - lastCommitNanos < settings.commitInterval().toNanos()) {
            return;
        }
        lastCommitNanos = System.nanoTime();
        scheduler.renewOwnerRecords();
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>(scheduler.committable(pairsOf(consumer.assignment())));
        commit.keySet().retainAll(consumer.assignment());
        if (now) {
            if (!commit.isEmpty()) {
                consumer.commitSync(commit);
            }
            return;
        }
        commit.entrySet().removeIf(entry -> entry.getValue().equals(committed.get(entry.getKey())));
        if (commit.isEmpty()) {
            lastCommitCurrentNanos = System.nanoTime(); // nothing owed
        } else {
            committed.putAll(commit);
            consumer.commitAsync(commit, (done, error) -> {
                if (error != null) {
                    // Runs on the poll thread; forgetting what failed makes the next commit send it again.
                    commit.forEach(committed::remove);
                    commitFailuresUnlogged++;
                    if (System.nanoTime() - lastCommitWarningNanos > COMMIT_WARNING_EVERY.toNanos()) {
                        lastCommitWarningNanos = System.nanoTime();
                        log.warn("Committing delivery offsets failed ({} times since the last warning), the next commit will cover them: {}",
                                commitFailuresUnlogged, error.toString());
                        commitFailuresUnlogged = 0;
                    }
                } else {
                    lastCommitCurrentNanos = System.nanoTime();
                }
            });
        }
        holdingForCommits = System.nanoTime() - lastCommitCurrentNanos > COMMIT_STALL.toNanos();
        scheduler.holdSending(holdingForCommits);
    }

    private static Set<Integer> pairsOf(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
    }

    /** Hands back revoked pairs: what is in flight finishes, its outcome is committed, the rest is read again by the next owner. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Set<Integer> pairs = pairsOf(partitions);
            scheduler.revoke(pairs);
            scheduler.awaitQuiet(pairs, DRAIN_TIMEOUT);
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>(scheduler.committable(pairs));
            commit.keySet().retainAll(partitions);
            try {
                if (!commit.isEmpty()) {
                    consumer.commitSync(commit);
                }
            } catch (WakeupException | InterruptException closing) {
                throw closing;
            } catch (KafkaException notCommitted) {
                // At least once still holds: the next owner re-reads what was done since the last commit.
                log.warn("Committing {} on handing them back failed: {}", partitions, notCommitted.toString());
            } finally {
                forget(pairs, partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(pairsOf(partitions), partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                log.info("Delivery reads the pairs {} of {} and {} now", pairsOf(partitions), settings.requestsTopic(), settings.retryTopic());
            }
            // Nothing of a requests partition is read before its pair's lines are known.
            consumer.pause(partitions.stream().filter(p -> p.topic().equals(settings.requestsTopic())).toList());
        }
    }

    private void forget(Set<Integer> pairs, Collection<TopicPartition> partitions) {
        scheduler.drop(pairs);
        waitingForSchema.keySet().removeAll(partitions);
        partitions.forEach(committed::remove);
    }

    private void drainAndClose() {
        running = false;
        scheduler.stop();
        Set<Integer> pairs = scheduler.pairs();
        if (!scheduler.awaitQuiet(pairs, DRAIN_TIMEOUT)) {
            log.warn("Requests still in flight after {}; they will be sent again by the next reader", DRAIN_TIMEOUT);
        }
        try {
            commitIfDue(true);
        } catch (RuntimeException e) {
            log.warn("The last commit of delivery failed; the requests since the previous one will be sent again: {}", e.toString());
        }
        timer.shutdownNow();
        consumer.close();
        writer.close();
        api.close();
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
            pollThread.join(Duration.ofSeconds(60).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the scheduler decides, done: requests to Refiner, records to the writer, wake-ups to the timer. */
    private final class Effects implements ContactScheduler.Effects {
        @Override
        public void send(ContactScheduler.Attempt attempt) {
            RefinerRequestRecord request = attempt.pending().request;
            api.send(new ApiCall(request.getMethod(), request.getPath(), request.getBody(), Optional.ofNullable(request.getMessageId())))
                    .whenComplete((response, error) -> {
                        ApiResponse answer = error != null ? ApiResponse.noResponse(error.toString()) : response;
                        metrics.answered(Duration.ofNanos(System.nanoTime() - attempt.startedNanos()));
                        try {
                            scheduler.answered(attempt, answer);
                        } catch (RuntimeException bug) {
                            // On HttpClient's thread nothing else would see it, and the contact would wait forever.
                            fail("Handling Refiner's answer failed", bug);
                        }
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

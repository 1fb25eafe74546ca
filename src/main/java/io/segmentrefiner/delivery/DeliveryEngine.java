package io.segmentrefiner.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.deadletter.DeadLetter;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Delivers the requests of {@code refiner.requests} (and of the retry topic, when due) to Refiner, many at once,
 * one at a time per contact.
 *
 * <p>One thread polls Kafka and commits; answers arrive on HttpClient's threads. A record's offset is committed only
 * once its outcome is durable: delivered (2xx), written to the retry topic, or written to the dead-letter topic,
 * both acknowledged by the broker. A crash therefore re-sends at most what was in flight or not yet committed.
 *
 * <p>Order: a contact (the record key) has at most one request in flight, and its requests are sent in the order
 * of their partition. A request that is retried leaves the queue for the retry topic, so only it is reordered.
 */
public final class DeliveryEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration FIRST_AUTH_PROBE = Duration.ofSeconds(1);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

    /** A request read from Kafka, waiting for or in its attempt. */
    private record Pending(TopicPartition partition, long offset, String contact, byte[] key, byte[] value, Headers headers,
                           RefinerRequestRecord request, RetryHeaders.History history) {
    }

    private final DeliverySettings settings;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final RefinerApi api;
    private final Deserializer<RefinerRequestRecord> requests;
    private final DeliveryMetrics metrics;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "refiner-delivery-timer");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicReference<DeliveryHealth> health = new AtomicReference<>(DeliveryHealth.STARTING);
    private final Thread pollThread;
    private final CompletableFuture<DeliveryHealth> stopped = new CompletableFuture<>();
    private volatile boolean running = true;

    // Guarded by lock: the per-contact queues, the offsets, the throttle and the auth breaker.
    private final Object lock = new Object();
    private final Map<String, ArrayDeque<Pending>> queues = new HashMap<>();
    private final Set<String> busyContacts = new HashSet<>();
    private final ArrayDeque<String> readyContacts = new ArrayDeque<>();
    private final Map<TopicPartition, OffsetTracker> offsets = new HashMap<>();
    // Sent and not answered, or waiting for the broker to acknowledge its retry or dead letter.
    private final Set<Pending> active = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Throttle throttle;
    private int buffered;
    private boolean wakeupScheduled;
    private boolean unauthorized;
    private Pending probe;
    private Duration nextProbe = FIRST_AUTH_PROBE;

    // Poll thread only.
    private final Map<TopicPartition, Instant> retryDue = new HashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
    private long lastCommitNanos = System.nanoTime();

    public DeliveryEngine(DeliverySettings settings, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
                          RefinerApi api, Deserializer<RefinerRequestRecord> requests, MeterRegistry meters) {
        this.settings = settings;
        this.consumer = consumer;
        this.producer = producer;
        this.api = api;
        this.requests = requests;
        this.throttle = new Throttle(settings.maxInFlight(), settings.ratePerSecond(), System.nanoTime());
        this.metrics = new DeliveryMetrics(meters, this::inFlight, () -> health.get() == DeliveryHealth.PAUSED_UNAUTHORIZED ? 1 : 0);
        this.pollThread = new Thread(this::pollLoop, "refiner-delivery");
    }

    public void start() {
        pollThread.start();
    }

    public DeliveryHealth health() {
        return health.get();
    }

    /** Completes when delivery has stopped: {@code STOPPED} after a close, {@code FAILED} after an error. */
    public CompletableFuture<DeliveryHealth> stopped() {
        return stopped;
    }

    private int inFlight() {
        synchronized (lock) {
            return throttle.inFlight();
        }
    }

    // ---- the poll thread ------------------------------------------------------------------------------------------

    private void pollLoop() {
        try {
            consumer.subscribe(List.of(settings.requestsTopic(), settings.retryTopic()), new Rebalance());
            health.compareAndSet(DeliveryHealth.STARTING, DeliveryHealth.RUNNING);
            while (running) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(POLL);
                } catch (WakeupException closing) {
                    continue;
                }
                try {
                    openTrackers(records.partitions());
                } catch (RetriableException brokerAway) {
                    // Where the last reader stopped is unknown: read the whole batch again on the next poll.
                    log.warn("Delivery could not read the committed offsets of {}, reading them again: {}", records.partitions(),
                            brokerAway.toString());
                    for (TopicPartition partition : records.partitions()) {
                        consumer.seek(partition, records.records(partition).get(0).offset());
                    }
                    records = ConsumerRecords.empty();
                }
                Instant now = Instant.now();
                for (TopicPartition partition : records.partitions()) {
                    for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                        if (partition.topic().equals(settings.retryTopic())) {
                            Instant due = RetryHeaders.due(record.headers());
                            if (due.isAfter(now)) {
                                // Not yet: read it again once it is due; the partition waits until then.
                                consumer.seek(partition, record.offset());
                                retryDue.put(partition, due);
                                break;
                            }
                        }
                        accept(partition, record);
                    }
                }
                adjustPauses(now);
                dispatch();
                commitIfDue(false);
            }
        } catch (RuntimeException e) {
            log.error("Delivery stopped on an error: {}", e.toString(), e);
            health.set(DeliveryHealth.FAILED);
        } finally {
            drainAndClose();
        }
    }

    private void accept(TopicPartition partition, ConsumerRecord<byte[], byte[]> record) {
        DeadLetter.Origin here = new DeadLetter.Origin(record.topic(), record.partition(), record.offset());
        RetryHeaders.History history = RetryHeaders.read(record.headers(), here);
        synchronized (lock) {
            if (!offsets.get(partition).opened(record.offset())) {
                return; // delivered by an earlier reader of the partition, after the offset it committed
            }
            buffered++;
        }
        RefinerRequestRecord request;
        try {
            request = requests.deserialize(record.topic(), record.value());
        } catch (RuntimeException unreadable) {
            Pending pending = new Pending(partition, record.offset(), "", record.key(), record.value(), record.headers(), null, history);
            synchronized (lock) {
                active.add(pending);
            }
            deadLetter(pending, "UNREADABLE_REQUEST", "The request record cannot be read: " + unreadable.getMessage(), Optional.empty());
            return;
        }
        String contact = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        Pending pending = new Pending(partition, record.offset(), contact, record.key(), record.value(), record.headers(), request, history);
        synchronized (lock) {
            ArrayDeque<Pending> queue = queues.computeIfAbsent(contact, c -> new ArrayDeque<>());
            queue.addLast(pending);
            if (queue.size() == 1 && !busyContacts.contains(contact)) {
                readyContacts.addLast(contact);
            }
        }
    }

    /**
     * Tracks the partitions read for the first time since they were assigned, starting from what their last reader
     * committed: its offset, and in the metadata what it finished above it. One call for all of them, outside any
     * rebalance callback; a broker that does not answer in time throws a {@link RetriableException}.
     */
    private void openTrackers(Set<TopicPartition> partitions) {
        Set<TopicPartition> unknown = new HashSet<>();
        synchronized (lock) {
            partitions.stream().filter(partition -> !offsets.containsKey(partition)).forEach(unknown::add);
        }
        if (unknown.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> lastCommitted = consumer.committed(unknown);
        synchronized (lock) {
            for (TopicPartition partition : unknown) {
                OffsetAndMetadata last = lastCommitted.get(partition);
                offsets.put(partition, new OffsetTracker(last == null ? Set.of()
                        : OffsetTracker.doneIn(last.offset(), Optional.ofNullable(last.metadata()))));
            }
        }
    }

    /** Pauses retry partitions until their head is due, and every partition while too much is buffered. */
    private void adjustPauses(Instant now) {
        retryDue.values().removeIf(due -> !due.isAfter(now));
        boolean full;
        synchronized (lock) {
            full = buffered >= bufferLimit();
        }
        Set<TopicPartition> assigned = consumer.assignment();
        Set<TopicPartition> wanted = new HashSet<>(retryDue.keySet());
        if (full) {
            wanted.addAll(assigned);
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

    private int bufferLimit() {
        return Math.max(1_000, settings.maxInFlight() * 16);
    }

    private void commitIfDue(boolean now) {
        if (!now && System.nanoTime() - lastCommitNanos < settings.commitInterval().toNanos()) {
            return;
        }
        lastCommitNanos = System.nanoTime();
        Map<TopicPartition, OffsetAndMetadata> commit = committable(consumer.assignment(), true);
        if (commit.isEmpty()) {
            return;
        }
        if (now) {
            consumer.commitSync(commit);
            committed.putAll(commit);
            return;
        }
        committed.putAll(commit);
        consumer.commitAsync(commit, (done, error) -> {
            if (error != null) {
                // Runs on the poll thread; forgetting what failed makes the next commit send it again.
                commit.forEach(committed::remove);
                log.warn("Committing delivery offsets failed, the next commit will cover them: {}", error.toString());
            }
        });
    }

    /** What can be committed now; with {@code onlyChanged}, only what differs from the last commit sent. */
    private Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> partitions, boolean onlyChanged) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        synchronized (lock) {
            for (TopicPartition partition : partitions) {
                OffsetTracker tracker = offsets.get(partition);
                long offset = tracker == null ? -1 : tracker.committable();
                OffsetAndMetadata now = offset < 0 ? null : new OffsetAndMetadata(offset, tracker.metadata());
                if (now != null && (!onlyChanged || !now.equals(committed.get(partition)))) {
                    commit.put(partition, now);
                }
            }
        }
        return commit;
    }

    /** Hands back revoked partitions: queued requests are dropped (the next owner reads them), in-flight ones finish. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            forget(partitions);
            awaitQuiet(partitions, DRAIN_TIMEOUT);
            // Not filtered by what was committed: an asynchronous commit of these offsets may have failed unseen.
            Map<TopicPartition, OffsetAndMetadata> commit = committable(partitions, false);
            try {
                if (!commit.isEmpty()) {
                    consumer.commitSync(commit);
                }
            } catch (WakeupException | InterruptException closing) {
                throw closing;
            } catch (KafkaException notCommitted) {
                // At least once still holds: the next reader of these partitions re-sends what was done since the last commit.
                log.warn("Committing {} on handing them back failed: {}", partitions, notCommitted.toString());
            } finally {
                dropTrackers(partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
            dropTrackers(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // Trackers are made as records arrive.
        }
    }

    private void forget(Collection<TopicPartition> partitions) {
        synchronized (lock) {
            for (Iterator<Map.Entry<String, ArrayDeque<Pending>>> it = queues.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, ArrayDeque<Pending>> entry = it.next();
                int before = entry.getValue().size();
                entry.getValue().removeIf(pending -> partitions.contains(pending.partition()));
                buffered -= before - entry.getValue().size();
                if (entry.getValue().isEmpty()) {
                    readyContacts.remove(entry.getKey());
                    it.remove();
                }
            }
            retryDue.keySet().removeAll(partitions);
        }
    }

    private void dropTrackers(Collection<TopicPartition> partitions) {
        synchronized (lock) {
            partitions.forEach(offsets::remove);
        }
        partitions.forEach(committed::remove);
    }

    /** Waits until nothing of these partitions is in flight or waiting for an acknowledgement. */
    private void awaitQuiet(Collection<TopicPartition> partitions, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (System.nanoTime() < deadline && inFlightOf(partitions) > 0) {
                try {
                    lock.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private int inFlightOf(Collection<TopicPartition> partitions) {
        int count = 0;
        for (Pending pending : active) {
            count += partitions.contains(pending.partition()) ? 1 : 0;
        }
        return count;
    }

    private void drainAndClose() {
        running = false;
        Set<TopicPartition> assigned = consumer.assignment();
        forget(assigned);
        awaitQuiet(assigned, DRAIN_TIMEOUT);
        try {
            commitIfDue(true);
        } catch (RuntimeException e) {
            log.warn("The last commit of delivery failed; the requests since the previous one will be sent again: {}", e.toString());
        }
        timer.shutdownNow();
        consumer.close();
        producer.close(Duration.ofSeconds(10));
        api.close();
        health.updateAndGet(state -> state == DeliveryHealth.FAILED ? state : DeliveryHealth.STOPPED);
        stopped.complete(health.get());
    }

    // ---- dispatching: any thread ----------------------------------------------------------------------------------

    private void dispatch() {
        List<Pending> toSend = new ArrayList<>();
        synchronized (lock) {
            long now = System.nanoTime();
            if (!running) {
                return;
            }
            if (unauthorized) {
                return;
            }
            while (!readyContacts.isEmpty() && throttle.tryAcquire(now)) {
                toSend.add(takeNext());
            }
            if (!readyContacts.isEmpty()) {
                throttle.waitWhenBlocked(now).ifPresent(this::wakeUpAfter);
            }
        }
        toSend.forEach(this::send);
    }

    /** The head of the first ready contact's queue, now in flight. Called with the lock held. */
    private Pending takeNext() {
        String contact = readyContacts.pollFirst();
        ArrayDeque<Pending> queue = queues.get(contact);
        Pending pending = queue.pollFirst();
        if (queue.isEmpty()) {
            queues.remove(contact);
        }
        busyContacts.add(contact);
        active.add(pending);
        return pending;
    }

    /** Called with the lock held. */
    private void wakeUpAfter(Duration wait) {
        if (wakeupScheduled) {
            return;
        }
        wakeupScheduled = true;
        timer.schedule(() -> {
            synchronized (lock) {
                wakeupScheduled = false;
            }
            dispatch();
        }, Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
    }

    private void send(Pending pending) {
        Instant attempt = Instant.now();
        long started = System.nanoTime();
        RefinerRequestRecord request = pending.request();
        api.send(new ApiCall(request.getMethod(), request.getPath(), request.getBody(), Optional.ofNullable(request.getMessageId())))
                .whenComplete((response, error) -> {
                    ApiResponse answer = error != null ? ApiResponse.noResponse(error.toString()) : response;
                    metrics.answered(Duration.ofNanos(System.nanoTime() - started));
                    try {
                        answered(pending, answer, attempt);
                    } catch (RuntimeException bug) {
                        // On HttpClient's thread nothing else would see it, and the contact would wait forever.
                        fail("Handling Refiner's answer failed", bug);
                    }
                });
    }

    private void answered(Pending pending, ApiResponse response, Instant attempt) {
        Verdict verdict = Verdict.of(response);
        synchronized (lock) {
            throttle.release(verdict, System.nanoTime());
        }
        if (verdict instanceof Verdict.Unauthorized) {
            refusedKey(pending, response);
            return;
        }
        keyAccepted();
        int attempts = pending.history().attempts() + 1;
        Instant first = pending.history().firstAttempt().orElse(attempt);
        if (verdict instanceof Verdict.Delivered) {
            metrics.delivered();
            done(pending);
        } else if (verdict instanceof Verdict.Retry retry) {
            if (retry.throttled()) {
                metrics.throttled();
            }
            Optional<Instant> next = settings.retry().nextAttempt(attempts, first, Instant.now(), retry.retryAfter());
            if (next.isPresent()) {
                retryLater(pending, next.get(), attempts, first, response.status());
            } else {
                deadLetter(pending, "RETRIES_EXHAUSTED", "No success within " + settings.retry().maxDuration() + " and "
                        + attempts + " attempts; the last: " + describe(response),
                        Optional.of(new DeadLetter.Attempts(response.status(), attempts, first, attempt, response.body())));
            }
        } else {
            deadLetter(pending, "HTTP_4XX", "Refiner refused the request: " + describe(response),
                    Optional.of(new DeadLetter.Attempts(response.status(), attempts, first, attempt, response.body())));
        }
        // The contact's next request may go now; a retried one has left the queue for the retry topic.
        release(pending.contact());
    }

    private static String describe(ApiResponse response) {
        return response.failure().orElseGet(() -> "HTTP " + response.status());
    }

    /** 401 or 403: the request goes back to the head of its queue, and delivery pauses until a probe succeeds. */
    private void refusedKey(Pending pending, ApiResponse response) {
        boolean first;
        boolean wasProbe;
        Duration wait;
        synchronized (lock) {
            first = !unauthorized;
            wasProbe = pending == probe;
            unauthorized = true;
            if (wasProbe) {
                probe = null;
                Duration doubled = nextProbe.multipliedBy(2);
                nextProbe = doubled.compareTo(settings.maxAuthProbe()) > 0 ? settings.maxAuthProbe() : doubled;
            }
            wait = nextProbe;
            active.remove(pending);
            busyContacts.remove(pending.contact());
            queues.computeIfAbsent(pending.contact(), c -> new ArrayDeque<>()).addFirst(pending);
            readyContacts.remove(pending.contact());
            readyContacts.addFirst(pending.contact());
        }
        health.set(DeliveryHealth.PAUSED_UNAUTHORIZED);
        if (first) {
            log.error("Refiner refused the API key (HTTP {}): delivery is paused until it is accepted again, probing with "
                    + "backoff up to every {}. Check refiner.api.key.", response.status(), settings.maxAuthProbe());
        }
        if (first || wasProbe) {
            timer.schedule(this::probe, wait.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Sends one request while the key is refused: its answer says whether to resume. */
    private void probe() {
        Pending pending;
        synchronized (lock) {
            if (!unauthorized || probe != null) {
                return;
            }
            if (readyContacts.isEmpty() || !throttle.tryAcquire(System.nanoTime())) {
                timer.schedule(this::probe, FIRST_AUTH_PROBE.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            pending = takeNext();
            probe = pending;
        }
        send(pending);
    }

    private void keyAccepted() {
        synchronized (lock) {
            if (!unauthorized) {
                return;
            }
            unauthorized = false;
            probe = null;
            nextProbe = FIRST_AUTH_PROBE;
        }
        health.set(DeliveryHealth.RUNNING);
        log.info("Refiner accepts the API key again: delivery resumed");
        dispatch();
    }

    private void retryLater(Pending pending, Instant due, int attempts, Instant first, int status) {
        metrics.retried();
        Headers headers = RetryHeaders.next(pending.headers(), due, attempts, first, status, pending.history().origin());
        write(new ProducerRecord<>(settings.retryTopic(), null, pending.key(), pending.value(), headers), pending);
    }

    private void deadLetter(Pending pending, String reason, String message, Optional<DeadLetter.Attempts> attempts) {
        metrics.deadLettered(reason);
        DeadLetter deadLetter = new DeadLetter(DeadLetter.STAGE_DELIVER, reason, message, pending.history().origin(), attempts);
        Headers headers = deadLetter.appendTo(RetryHeaders.withoutRetryHeaders(pending.headers()));
        write(new ProducerRecord<>(settings.deadLetterTopic(), null, pending.key(), pending.value(), headers), pending);
    }

    /** Writes a retry or a dead letter; the request is done once the broker has it. */
    private void write(ProducerRecord<byte[], byte[]> record, Pending pending) {
        producer.send(record, (metadata, error) -> {
            if (error != null) {
                // The outcome is not durable, so the offset must not be committed: stop, and let a restart re-read it.
                fail("Writing to " + record.topic() + " failed", error);
                return;
            }
            done(pending);
        });
    }

    /** Stops delivery on an error: what has no durable outcome is read again after a restart. */
    private void fail(String what, Throwable error) {
        log.error("{}; delivery stops so that the requests without an outcome are read again after a restart: {}",
                what, error.toString(), error);
        health.set(DeliveryHealth.FAILED);
        running = false;
        consumer.wakeup();
    }

    private void done(Pending pending) {
        synchronized (lock) {
            active.remove(pending);
            OffsetTracker tracker = offsets.get(pending.partition());
            if (tracker != null) {
                tracker.done(pending.offset());
            }
            buffered--;
            lock.notifyAll();
        }
    }

    private void release(String contact) {
        synchronized (lock) {
            if (!busyContacts.remove(contact)) {
                return;
            }
            if (queues.containsKey(contact)) {
                readyContacts.addLast(contact);
            }
        }
        dispatch();
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
}

package io.segmentrefiner.delivery;

import io.segmentrefiner.deadletter.DeadLetter;
import io.segmentrefiner.refiner.Reason;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Decides what goes to Refiner when, and what becomes of each answer. It owns the lock, and under it the pairs with
 * their per-contact queues and lines ({@link PartitionPair}, {@link Contact}), the {@link Throttle} and the
 * {@link KeyBreaker} that pauses delivery while Refiner refuses the API key; {@link OutcomeRecords} builds what it
 * writes. It starts no thread and touches no Kafka client: what it decides leaves through {@link Effects}, and what
 * happened comes back through its methods, so that it is tested by calling them.
 *
 * <p>Partition {@code i} of the requests topic and partition {@code i} of the retry topic form a pair, owned and
 * handed over together. A contact has at most one request in flight, and its requests go out in the order of their
 * offsets on the requests topic. When one of them needs a retry, the contact waits: that request and every later
 * one of the contact go into the contact's line on the retry topic (a retry record, then held records), and none of
 * them goes out before the one ahead of it is done. The line is durable, so that whoever owns the pair next reads
 * it back before it reads the requests topic ({@link #replayed}), and knows who waits.
 *
 * <p>A request's offset on the requests topic is done once its outcome is durable: delivered, dead-lettered, or
 * written into its contact's line. A record of the retry topic stays live while the request it holds is in the line,
 * so that the committed offset of the retry topic never passes it.
 *
 * <p>It stays one class past 300 lines because one lock guards all it decides: a request read, an answer, an
 * acknowledgement or a tick each read and change the queues, the lines, the counts, the throttle and the breaker
 * together, and the order they are changed in is the order of the contact's requests. Split along them, each part
 * would take the same lock or need the others' state; what decides nothing of its own is in the classes above.
 */
final class ContactScheduler {

    private static final Logger log = LoggerFactory.getLogger(ContactScheduler.class);
    // A drain is woken by every answer and acknowledgement; this only bounds how late it notices its deadline or a
    // pair dropped meanwhile, short beside a drain's 30 s and long enough to cost nothing.
    private static final long QUIET_CHECK_MILLIS = 50;

    /** What the scheduler asks of the world. */
    interface Effects {
        /** Sends the attempt; its answer comes back through {@link #answered}. Called without the lock. */
        void send(Attempt attempt);

        /** Writes the record; its acknowledgement comes back through {@link #written}. Called under the lock: it must not block. */
        void write(Write write);

        /** Calls {@link #tick} after the wait. Called under the lock: it must not block. */
        void wakeUpIn(Duration wait);
    }

    /** One attempt of one request. */
    record Attempt(Pending pending, long generation, Throttle.Ticket ticket, Instant at, long startedNanos, boolean probe) {
    }

    private record Due(Instant at, Contact contact) implements Comparable<Due> {
        @Override
        public int compareTo(Due other) {
            return at.compareTo(other.at);
        }
    }

    private final Object lock = new Object();
    private final DeliverySettings settings;
    private final Effects effects;
    private final DeliveryMetrics metrics;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final OutcomeRecords records;

    // Guarded by lock.
    private final Map<Integer, PartitionPair> pairs = new HashMap<>();
    private final ArrayDeque<Contact> ready = new ArrayDeque<>();
    private final PriorityQueue<Due> later = new PriorityQueue<>();
    private final Throttle throttle;
    private final KeyBreaker breaker;
    private long generations;
    private int queued;
    private int held;
    private int attemptsInFlight;
    private boolean running = true;
    private boolean holding;
    private long wakeUpAt = Long.MAX_VALUE;

    ContactScheduler(DeliverySettings settings, Effects effects, DeliveryMetrics metrics, Clock clock, LongSupplier nanoTime) {
        this.settings = settings;
        this.effects = effects;
        this.metrics = metrics;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.throttle = new Throttle(settings.maxInFlight(), settings.ratePerSecond(), nanoTime.getAsLong());
        this.breaker = new KeyBreaker(settings.maxAuthProbe());
        this.records = new OutcomeRecords(settings.retryTopic(), settings.deadLetterTopic());
    }

    // ---- pairs -----------------------------------------------------------------------------------------------------

    /**
     * Starts tracking the requests partition of a pair from what its last reader committed: {@code doneBefore} are
     * the offsets above the committed one that it recorded as done.
     */
    void openRequests(int pair, Set<Long> doneBefore) {
        synchronized (lock) {
            pair(pair).requestOffsets = new OffsetTracker(doneBefore);
        }
    }

    boolean requestsOpen(int pair) {
        synchronized (lock) {
            PartitionPair state = pairs.get(pair);
            return state != null && state.requestOffsets != null;
        }
    }

    /**
     * Begins this reader's ownership of a pair's retry partition with an owner record, which names the consumer
     * group's generation it was assigned in. Reading the partition back up to that record gives what the lines
     * held; what comes after it is this reader's alone: a record of an earlier generation's owner, which lost the
     * partition but still had records on their way (a zombie), is ignored by this reader and by whoever owns it next.
     */
    void beginReign(int pair, long groupGeneration) {
        synchronized (lock) {
            PartitionPair state = pair(pair);
            if (state.ownership == null) {
                state.ownership = new RetryPartitionOwnership(groupGeneration);
                writeOwnerRecord(state);
            }
        }
    }

    /** How far the retry partition is to be read back: past this reader's owner record, once the broker has it. */
    Optional<Long> catchUpEnd(int pair) {
        synchronized (lock) {
            PartitionPair state = pairs.get(pair);
            return state == null || state.ownership == null ? Optional.empty() : state.ownership.catchUpEnd();
        }
    }

    private void writeOwnerRecord(PartitionPair pair) {
        pair.writesInFlight++;
        effects.write(records.owner(pair.index, pair.generation, pair.ownership.ownerRecord(nanoTime.getAsLong())));
    }

    /**
     * Writes another owner record for the pairs that wrote since their last, a second apart at most: the retry
     * partition's committed offset is always an owner record, so that whoever reads from it knows whose records count.
     */
    void renewOwnerRecords() {
        synchronized (lock) {
            long now = nanoTime.getAsLong();
            for (PartitionPair pair : pairs.values()) {
                if (pair.caughtUp && !pair.revoked && pair.ownership.renewalDue(now)) {
                    writeOwnerRecord(pair);
                }
            }
        }
    }

    /**
     * Whether a record read back while the pair catches up counts: an owner record (which {@link #replayed} judges),
     * or one by the owner of the ownership it falls in (or by anybody, before the first owner record).
     */
    boolean counts(int pair, RetryHeaders.Entry entry) {
        synchronized (lock) {
            PartitionPair state = pairs.get(pair);
            return state != null && state.ownership != null && state.ownership.counts(entry);
        }
    }

    /**
     * A record of the retry topic read while its pair catches up: what the lines held when the pair was handed over.
     *
     * @param request the request a retry or held record holds; empty for a resolved one
     */
    void replayed(int pair, long retryOffset, RetryHeaders.Entry entry, String contactKey, Optional<Pending> request) {
        synchronized (lock) {
            held += pair(pair).replayed(retryOffset, entry, contactKey, request, settings.requestsTopic());
        }
    }

    /** The pair's lines are known: its waiting contacts go on, and its requests may be read. */
    void caughtUp(int pair) {
        List<Attempt> sends;
        synchronized (lock) {
            PartitionPair state = pair(pair);
            state.caughtUp();
            if (state.ownership.outranked()) {
                // Its own owner record did not count: its records would count for nobody, until this one.
                log.info("Pair {}: the retry partition was owned in a generation no lower than this reader's; it continues "
                        + "in generation {}", pair, state.ownership.generation());
                writeOwnerRecord(state);
            }
            long waiting = state.waitingContacts();
            if (waiting > 0) {
                log.info("Pair {}: {} contacts wait for a retry, {} requests in their lines", pair, waiting, state.inLines());
            }
            Instant wall = clock.instant();
            state.contacts.values().forEach(contact -> schedule(contact, wall));
            sends = dispatch();
        }
        sends.forEach(effects::send);
    }

    boolean linesKnown(int pair) {
        synchronized (lock) {
            PartitionPair state = pairs.get(pair);
            return state != null && state.caughtUp;
        }
    }

    private PartitionPair pair(int index) {
        return pairs.computeIfAbsent(index, i -> new PartitionPair(i, ++generations));
    }

    // ---- requests --------------------------------------------------------------------------------------------------

    /**
     * A request read from the requests topic. A contact that waits takes it into its line; another queues it. An
     * offset an earlier reader finished is skipped, and one whose request is already in its contact's line (read
     * back from the retry topic) is done.
     */
    void offer(Pending pending) {
        List<Attempt> sends;
        synchronized (lock) {
            PartitionPair pair = pairs.get(pending.pair);
            if (pair == null || pair.requestOffsets == null || !pair.requestOffsets.opened(pending.originOffset)) {
                return;
            }
            pending.generation = pair.generation;
            Contact contact = pair.contact(pending.contact);
            long readBackEnd = pair.lineEndsReadBack.getOrDefault(pending.contact, -1L);
            if ((contact.waiting() && pending.originOffset <= contact.lineEnd) || pending.originOffset <= readBackEnd) {
                // Already in the line, or ahead of it and so done: read again because the offsets done above the
                // committed one did not all fit in the commit's metadata, or could not be committed before the
                // hand-over. Sending it would put it after later ones.
                pair.requestOffsets.done(pending.originOffset);
                contact.forgetIfIdle();
                return;
            }
            if (readBackEnd >= 0) {
                pair.lineEndsReadBack.remove(pending.contact);
            }
            if (contact.waiting()) {
                hold(contact, pending);
                enforceHoldLimit(contact);
            } else {
                contact.queue.addLast(pending);
                queued++;
            }
            schedule(contact, clock.instant());
            sends = dispatch();
        }
        sends.forEach(effects::send);
    }

    /**
     * A record that cannot be read as a request: dead-lettered at once, outside any contact's order. One of the retry
     * topic stays live until its dead letter is durable.
     *
     * @param retryOffset its offset on the retry topic, or -1 for a record of the requests topic
     */
    void unreadable(Pending record, long retryOffset, Reason reason, String message) {
        synchronized (lock) {
            PartitionPair pair = pairs.get(record.pair);
            if (pair == null) {
                return;
            }
            if (record.fromRequests && (pair.requestOffsets == null || !pair.requestOffsets.opened(record.originOffset))) {
                return;
            }
            record.generation = pair.generation;
            if (retryOffset >= 0) {
                record.retryOffset = retryOffset;
                pair.liveRetryOffsets.add(retryOffset);
            }
            metrics.deadLettered(reason);
            metrics.failures().deadLettered(reason, record.request, Optional.empty(), "", message);
            write(pair, records.deadLettered(record, reason, message, Optional.empty(), List.of(), false));
        }
    }

    private void hold(Contact contact, Pending pending) {
        pending.inLine = true;
        contact.line.put(pending.originOffset, pending);
        contact.lineEnd = Math.max(contact.lineEnd, pending.originOffset);
        held++;
        write(contact.pair, records.held(pending, contact.pair.ownership.writer()));
    }

    /** A contact holds at most {@code delivery.hold.max} requests behind its waiting one; one more and that one is given up. */
    private void enforceHoldLimit(Contact contact) {
        if (contact.line.size() - 1 > settings.holdMax() && contact.inFlight == null) {
            Pending head = contact.line.firstEntry().getValue();
            deadLetter(contact, head, Reason.HOLD_LIMIT, settings.holdMax() + " later requests of this contact waited behind this one; "
                    + "it was given up so that they can go on", Optional.empty());
        }
    }

    // ---- sending ---------------------------------------------------------------------------------------------------

    /** Sends what is due and allowed, and what the breaker's probe needs; called by a timer and by the poll loop. */
    void tick() {
        List<Attempt> sends;
        synchronized (lock) {
            wakeUpAt = Long.MAX_VALUE;
            sends = dispatch();
        }
        sends.forEach(effects::send);
    }

    private void schedule(Contact contact, Instant wall) {
        if (contact.ready || contact.pair.revoked || !contact.pair.caughtUp) {
            return;
        }
        Optional<Pending> next = contact.next();
        if (next.isEmpty()) {
            return;
        }
        if (next.get().due.isAfter(wall)) {
            later.add(new Due(next.get().due, contact));
            wakeUpIn(Duration.between(wall, next.get().due));
            return;
        }
        contact.ready = true;
        ready.addLast(contact);
    }

    private List<Attempt> dispatch() {
        List<Attempt> sends = new ArrayList<>();
        if (!running || holding) {
            return sends;
        }
        long now = nanoTime.getAsLong();
        Instant wall = clock.instant();
        while (!later.isEmpty() && !later.peek().at().isAfter(wall)) {
            schedule(later.poll().contact(), wall);
        }
        if (breaker.open()) {
            probe(now, wall).ifPresent(sends::add);
            return sends;
        }
        while (!ready.isEmpty()) {
            Contact contact = ready.peekFirst();
            Optional<Pending> next = sendable(contact) ? contact.next() : Optional.empty();
            if (next.isEmpty() || next.get().due.isAfter(wall)) {
                ready.pollFirst();
                contact.ready = false;
                schedule(contact, wall);
                continue;
            }
            Optional<Throttle.Ticket> ticket = throttle.tryAcquire(now);
            if (ticket.isEmpty()) {
                throttle.waitWhenBlocked(now).ifPresent(this::wakeUpIn);
                break;
            }
            ready.pollFirst();
            contact.ready = false;
            sends.add(start(contact, next.get(), ticket.get(), now, wall, false));
        }
        return sends;
    }

    /** A contact of a pair still owned and not being handed back. */
    private boolean sendable(Contact contact) {
        return !contact.pair.revoked && pairs.get(contact.pair.index) == contact.pair;
    }

    private Attempt start(Contact contact, Pending pending, Throttle.Ticket ticket, long now, Instant wall, boolean probe) {
        contact.inFlight = pending;
        contact.pair.attemptsInFlight++;
        attemptsInFlight++;
        return new Attempt(pending, contact.pair.generation, ticket, wall, now, probe);
    }

    /** While the key is refused, one request at a time goes out, with backoff, to find out whether it works again. */
    private Optional<Attempt> probe(long now, Instant wall) {
        if (!breaker.probeDue(now)) {
            breaker.untilProbe(now).ifPresent(this::wakeUpIn);
            return Optional.empty();
        }
        for (Contact contact : ready) {
            Optional<Pending> next = sendable(contact) ? contact.next() : Optional.empty();
            if (next.isPresent() && !next.get().due.isAfter(wall)) {
                Optional<Throttle.Ticket> ticket = throttle.tryAcquire(now);
                if (ticket.isEmpty()) {
                    throttle.waitWhenBlocked(now).ifPresent(this::wakeUpIn);
                    return Optional.empty();
                }
                ready.remove(contact);
                contact.ready = false;
                breaker.probeSent();
                return Optional.of(start(contact, next.get(), ticket.get(), now, wall, true));
            }
        }
        return Optional.empty();
    }

    private void wakeUpIn(Duration wait) {
        long at = nanoTime.getAsLong() + Math.max(0, wait.toNanos());
        // One wake-up at a time, the earliest: a later one is asked for again when this one has run.
        if (at < wakeUpAt) {
            wakeUpAt = at;
            effects.wakeUpIn(wait);
        }
    }

    // ---- answers ---------------------------------------------------------------------------------------------------

    /** Refiner's answer to an attempt, or why there is none. */
    void answered(Attempt attempt, ApiResponse response) {
        List<Attempt> sends;
        synchronized (lock) {
            Verdict verdict = Verdict.of(attempt.pending().request.getMethod(), response);
            metrics.failures().answered(attempt.pending().request, response, verdict);
            throttle.release(attempt.ticket(), verdict, nanoTime.getAsLong());
            attemptsInFlight--;
            Pending pending = attempt.pending();
            PartitionPair pair = pairs.get(pending.pair);
            if (pair != null && pair.generation == attempt.generation()) {
                pair.attemptsInFlight--;
                Contact contact = pair.contacts.get(pending.contact);
                contact.inFlight = null;
                if (verdict instanceof Verdict.Unauthorized) {
                    // The request stays first in its queue or line, and delivery pauses until a probe is accepted.
                    breaker.refused(response.status(), attempt.probe(), nanoTime.getAsLong()).ifPresent(this::wakeUpIn);
                } else {
                    breaker.accepted();
                    decide(contact, pending, verdict, response, attempt.at());
                }
                schedule(contact, clock.instant());
                contact.forgetIfIdle();
            } else if (attempt.probe()) {
                breaker.probeForgotten();
            }
            lock.notifyAll();
            sends = dispatch();
        }
        sends.forEach(effects::send);
    }

    private void decide(Contact contact, Pending pending, Verdict verdict, ApiResponse response, Instant attemptAt) {
        RetryHeaders.History tried = pending.history.next(attemptAt);
        Instant first = tried.firstAttempt().orElse(attemptAt);
        if (verdict instanceof Verdict.Delivered) {
            metrics.delivered();
            finish(contact, pending);
        } else if (verdict instanceof Verdict.Retry retry) {
            if (retry.throttled()) {
                metrics.throttled();
            }
            Optional<Instant> next = settings.retry().nextAttempt(tried.attempts(), first, clock.instant(), retry.retryAfter());
            DeadLetter.Attempts attempts = new DeadLetter.Attempts(response.status(), tried.attempts(), first, attemptAt, response.body());
            if (next.isEmpty()) {
                deadLetter(contact, pending, Reason.RETRIES_EXHAUSTED, "No success within " + settings.retry().maxDuration() + " and "
                        + tried.attempts() + " attempts; the last: " + describe(response), Optional.of(attempts));
            } else if (behind(contact, pending) > settings.holdMax()) {
                deadLetter(contact, pending, Reason.HOLD_LIMIT, behind(contact, pending) + " later requests of this contact waited behind "
                        + "this one; it was given up so that they can go on. The last attempt: " + describe(response), Optional.of(attempts));
            } else {
                metrics.retried();
                pending.history = tried;
                pending.due = next.get();
                retryLater(contact, pending, response.status());
            }
        } else {
            deadLetter(contact, pending, Reason.HTTP_4XX, "Refiner refused the request: " + describe(response),
                    Optional.of(new DeadLetter.Attempts(response.status(), tried.attempts(), first, attemptAt, response.body())));
        }
    }

    private static int behind(Contact contact, Pending pending) {
        return pending.inLine ? contact.line.size() - 1 : contact.queue.size() - 1;
    }

    private static String describe(ApiResponse response) {
        return response.failure().orElseGet(() -> "HTTP " + response.status());
    }

    /** Delivered: the request leaves its queue, or its line with a record that says so. */
    private void finish(Contact contact, Pending pending) {
        if (pending.inLine) {
            contact.line.remove(pending.originOffset);
            held--;
            resolve(contact, pending);
        } else {
            contact.queue.removeFirst();
            queued--;
            contact.pair.requestOffsets.done(pending.originOffset);
        }
    }

    private void resolve(Contact contact, Pending pending) {
        contact.resolutionsInFlight++;
        writeResolved(contact.pair, pending);
    }

    private void writeResolved(PartitionPair pair, Pending pending) {
        write(pair, records.resolved(pending, pair.ownership.writer()));
    }

    /**
     * Into the contact's line: a request from its queue starts the line, and the rest of the queue follows it there
     * in order; one already in the line gets a newer record, which is what counts from then on.
     */
    private void retryLater(Contact contact, Pending pending, int lastStatus) {
        if (pending.inLine) {
            write(contact.pair, records.retry(pending, lastStatus, contact.pair.ownership.writer()));
            return;
        }
        contact.queue.removeFirst();
        queued--;
        pending.inLine = true;
        contact.line.put(pending.originOffset, pending);
        contact.lineEnd = Math.max(contact.lineEnd, pending.originOffset);
        held++;
        write(contact.pair, records.retry(pending, lastStatus, contact.pair.ownership.writer()));
        while (!contact.queue.isEmpty()) {
            queued--;
            hold(contact, contact.queue.removeFirst());
        }
    }

    /**
     * Gives a request of a contact up. Nothing of the contact goes out until its dead letter is durable; the record
     * that ends its time in the line is written only then, so that the line keeps it until the dead letter has it.
     */
    private void deadLetter(Contact contact, Pending pending, Reason reason, String message, Optional<DeadLetter.Attempts> attempts) {
        metrics.deadLettered(reason);
        metrics.failures().deadLettered(reason, pending.request, attempts.map(DeadLetter.Attempts::lastStatus),
                attempts.map(DeadLetter.Attempts::responseBody).orElse(""), message);
        List<Long> heldBehind = pending.inLine ? List.copyOf(contact.line.tailMap(pending.originOffset, false).keySet()) : List.of();
        contact.deadLettersInFlight++;
        write(contact.pair, records.deadLettered(pending, reason, message, attempts, heldBehind, true));
        if (pending.inLine) {
            contact.line.remove(pending.originOffset);
            held--;
            contact.resolutionsInFlight++; // its resolved record follows the dead letter
        } else {
            contact.queue.removeFirst();
            queued--;
        }
    }

    private void write(PartitionPair pair, Write write) {
        pair.writesInFlight++;
        if (records.onRetryTopic(write)) {
            pair.ownership.wrote();
        }
        effects.write(write);
    }

    // ---- acknowledgements ------------------------------------------------------------------------------------------

    /** The broker has a write: what it made durable is done. */
    void written(Write write, long offset) {
        List<Attempt> sends;
        synchronized (lock) {
            PartitionPair pair = pairs.get(write.pair());
            if (pair == null || pair.generation != write.generation()) {
                return; // of a pair handed back meanwhile: its next owner reads the request again
            }
            pair.writesInFlight--;
            if (write instanceof Write.Owner) {
                pair.ownership.acknowledged(offset);
                lock.notifyAll();
                return;
            }
            Pending pending = ((Write.OfRequest) write).pending();
            if (write instanceof Write.Retry || write instanceof Write.Held) {
                pair.placed(pending, offset);
            } else if (write instanceof Write.Resolved) {
                pair.liveRetryOffsets.remove(pending.retryOffset);
                Contact contact = pair.contacts.get(pending.contact);
                if (contact != null) {
                    contact.resolutionsInFlight--;
                    schedule(contact, clock.instant());
                    contact.forgetIfIdle();
                }
            } else if (write instanceof Write.DeadLettered deadLettered) {
                Contact contact = deadLettered.ofContact() ? pair.contacts.get(pending.contact) : null;
                if (pending.inLine) {
                    writeResolved(pair, pending); // counted in the contact's resolutions in flight already
                } else if (pending.fromRequests) {
                    pair.requestOffsets.done(pending.originOffset);
                } else {
                    pair.liveRetryOffsets.remove(pending.retryOffset); // a record of the retry topic that could not be read
                }
                if (contact != null) {
                    contact.deadLettersInFlight--;
                    schedule(contact, clock.instant());
                    contact.forgetIfIdle();
                }
            }
            lock.notifyAll();
            sends = dispatch();
        }
        sends.forEach(effects::send);
    }

    // ---- handing pairs back ----------------------------------------------------------------------------------------

    /** Nothing more of these pairs goes out; what is in flight finishes. */
    void revoke(Collection<Integer> indexes) {
        synchronized (lock) {
            indexes.stream().map(pairs::get).filter(Objects::nonNull).forEach(pair -> pair.revoked = true);
        }
    }

    /** Waits until nothing of these pairs is in flight or waiting for the broker; false when the timeout passed first. */
    boolean awaitQuiet(Collection<Integer> indexes, Duration timeout) {
        long deadline = nanoTime.getAsLong() + timeout.toNanos();
        synchronized (lock) {
            while (!quiet(indexes)) {
                long left = deadline - nanoTime.getAsLong();
                if (left <= 0) {
                    return false;
                }
                try {
                    lock.wait(Math.max(1, Math.min(QUIET_CHECK_MILLIS, left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    private boolean quiet(Collection<Integer> indexes) {
        return indexes.stream().map(pairs::get).filter(Objects::nonNull).allMatch(PartitionPair::quiet);
    }

    /** What can be committed for these pairs ({@link PartitionPair#committable}); nothing for a pair still catching up. */
    Map<TopicPartition, OffsetAndMetadata> committable(Collection<Integer> indexes) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        synchronized (lock) {
            indexes.stream().map(pairs::get).filter(Objects::nonNull)
                    .forEach(pair -> commit.putAll(pair.committable(settings.requestsTopic(), settings.retryTopic())));
        }
        return commit;
    }

    /** Forgets these pairs: their next owner reads what had no durable outcome again. */
    void drop(Collection<Integer> indexes) {
        synchronized (lock) {
            for (int index : indexes) {
                PartitionPair pair = pairs.remove(index);
                if (pair == null) {
                    continue;
                }
                for (Contact contact : pair.contacts.values()) {
                    queued -= contact.queue.size();
                    held -= contact.line.size();
                    ready.remove(contact);
                }
            }
            later.removeIf(due -> pairs.get(due.contact().pair.index) != due.contact().pair);
        }
    }

    /** Whether a write is of a pair still owned as when it was decided; one that is not need not be sent. */
    boolean current(Write write) {
        synchronized (lock) {
            PartitionPair pair = pairs.get(write.pair());
            return pair != null && pair.generation == write.generation();
        }
    }

    /**
     * Holds sending while the offsets of what was delivered cannot be committed (the broker is away), and lets it go
     * on once they can.
     */
    void holdSending(boolean hold) {
        List<Attempt> sends = List.of();
        synchronized (lock) {
            boolean resumed = holding && !hold;
            holding = hold;
            if (resumed) {
                sends = dispatch();
            }
        }
        sends.forEach(effects::send);
    }

    /** Sends nothing more. */
    void stop() {
        synchronized (lock) {
            running = false;
        }
    }

    Set<Integer> pairs() {
        synchronized (lock) {
            return Set.copyOf(pairs.keySet());
        }
    }

    // ---- what it holds ---------------------------------------------------------------------------------------------

    /** Requests read from the requests topic and waiting in contacts' queues. */
    int queued() {
        synchronized (lock) {
            return queued;
        }
    }

    /** Requests in the lines of waiting contacts. */
    int held() {
        synchronized (lock) {
            return held;
        }
    }

    int inFlight() {
        synchronized (lock) {
            return attemptsInFlight;
        }
    }

    /** Pairs whose lines are not known yet: their requests are not read. */
    int pairsCatchingUp() {
        synchronized (lock) {
            return (int) pairs.values().stream().filter(pair -> !pair.caughtUp).count();
        }
    }

    /** Contacts whose requests wait behind one that needs a retry. */
    int waitingContacts() {
        synchronized (lock) {
            return (int) pairs.values().stream().mapToLong(PartitionPair::waitingContacts).sum();
        }
    }

    boolean unauthorized() {
        synchronized (lock) {
            return breaker.open();
        }
    }

    /** The rate requests may go out at, per second; infinite when nothing limits it. */
    double rate() {
        synchronized (lock) {
            return throttle.rate();
        }
    }
}

package io.segmentrefiner.delivery;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where delivery stands on the partitions it owns, and what it commits of them: where the last reader of each newly
 * assigned pair stopped, what the {@link ContactScheduler} says is durable, committed on the commit interval (and at
 * once on a hand-over and at the end), and the pairs handed over. Sending is held while commits fail, so that what is
 * delivered without its offset being recorded stays bounded. Poll thread only: the consumer calls the listener from
 * within its poll.
 */
final class PartitionCommits implements ConsumerRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(PartitionCommits.class);
    // How long a hand-over or a stop lets the requests in flight finish: as long as one request may take by default
    // (delivery.request.timeout is 30 s), and far below the consumer's max.poll.interval.ms (5 minutes by default),
    // past which the group would evict this reader. What is still in flight then is sent again by the next owner.
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
    // Commits that fail this long (the broker is away) hold sending: what is delivered meanwhile cannot be recorded, and
    // would be sent again by the next owner if the partitions are handed over. It bounds those duplicates.
    static final Duration COMMIT_STALL = Duration.ofSeconds(2);
    // Commits fail five times a second while the broker is away: one warning says so, then one every 10 s at most.
    private static final Duration COMMIT_WARNING_EVERY = Duration.ofSeconds(10);
    // A lookup of committed offsets or positions during the loop: a broker that does not answer is asked again next
    // poll, so this only bounds how long one poll waits, a few polls' worth.
    static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(2);

    private final DeliverySettings settings;
    private final Consumer<byte[], byte[]> consumer;
    private final ContactScheduler scheduler;
    private final java.util.function.Consumer<Collection<TopicPartition>> forgotten;
    private volatile boolean holdingForCommits;

    // Poll thread only.
    private final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
    private long lastCommitNanos = System.nanoTime();
    private long lastCommitCurrentNanos = System.nanoTime();
    private long lastCommitWarningNanos = System.nanoTime() - COMMIT_WARNING_EVERY.toNanos();
    private int commitFailuresUnlogged;

    /** @param forgotten told of the partitions handed back or lost, after the scheduler forgot their pairs */
    PartitionCommits(DeliverySettings settings, Consumer<byte[], byte[]> consumer,
                     ContactScheduler scheduler, java.util.function.Consumer<Collection<TopicPartition>> forgotten) {
        this.settings = settings;
        this.consumer = consumer;
        this.scheduler = scheduler;
        this.forgotten = forgotten;
    }

    /** Whether sending is held because the offsets of what was delivered could not be committed for a while. */
    boolean holdingForCommits() {
        return holdingForCommits;
    }

    /**
     * Gets the pairs of newly assigned partitions ready: where the last reader of each requests partition stopped
     * (its committed offset, and in the metadata what it finished above it), and this reader's ownership of each
     * retry partition begun. A broker that does not answer now is asked again on the next poll.
     */
    void prepare(Set<TopicPartition> assigned) {
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

    /** Commits what became durable since the last commit, asynchronously, once the commit interval has passed. */
    void commitIfDue() {
        if (System.nanoTime() - lastCommitNanos < settings.commitInterval().toNanos()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> commit = committable();
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

    /** Commits what is durable now and waits for the broker to have it: the last commit, before closing. */
    void commitNow() {
        Map<TopicPartition, OffsetAndMetadata> commit = committable();
        if (!commit.isEmpty()) {
            consumer.commitSync(commit);
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> committable() {
        lastCommitNanos = System.nanoTime();
        scheduler.renewOwnerRecords();
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>(scheduler.committable(pairsOf(consumer.assignment())));
        commit.keySet().retainAll(consumer.assignment());
        return commit;
    }

    /** Hands back revoked pairs: what is in flight finishes, its outcome is committed, the rest is read again by the next owner. */
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

    private void forget(Set<Integer> pairs, Collection<TopicPartition> partitions) {
        scheduler.drop(pairs);
        partitions.forEach(committed::remove);
        forgotten.accept(partitions);
    }

    private static Set<Integer> pairsOf(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
    }
}

package io.segmentrefiner.deadletter;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Sends dead letters back to the topic they came from, with their key, value and own headers, as a batch job: it
 * reads the dead-letter topic from the checkpoint's committed offsets (or from explicit ones) up to the end offsets
 * it found when it started, then stops. The offsets of a batch are committed only once the broker has acknowledged
 * every record of it, so a second run sends nothing twice and an interrupted run continues where it stopped; a
 * crash between the acknowledgement and the commit sends that one batch again. An instance runs once.
 */
public final class Replay {

    /** The checkpoint {@code replay} uses unless told another; the status page counts what waits after it. */
    public static final String DEFAULT_CHECKPOINT = "default";

    private static final Duration POLL = Duration.ofMillis(200);
    /** Reading that makes no progress for this long while records remain is an outage, not a slow broker. */
    private static final Duration STALLED = Duration.ofSeconds(60);

    public record StageReason(String stage, String reason) {
        static StageReason of(Headers headers) {
            return new StageReason(TextHeaders.read(headers, DeadLetterHeaders.STAGE).orElse("-"),
                    TextHeaders.read(headers, DeadLetterHeaders.REASON).orElse("-"));
        }
    }

    /**
     * What a replay did (or would do, on a dry run).
     *
     * @param replayedBy the replayed dead letters counted by stage and reason
     * @param complete   false when {@link #stop()} ended the replay before the end offsets
     */
    public record Summary(long replayed, long skippedByFilter, long leftAlone, SortedMap<StageReason, Long> replayedBy,
                          Duration took, boolean complete) {
        public long read() {
            return replayed + skippedByFilter + leftAlone;
        }
    }

    /** Told what happens as it happens; every method may be left out. */
    public interface Listener {
        /** @param deadLetters how many dead letters there are to read, about: transaction markers count too */
        default void started(long deadLetters) {
        }

        default void progressed(long replayed, long read) {
        }

        default void leftAlone(ConsumerRecord<byte[], byte[]> deadLetter, String why) {
        }
    }

    private final Consumer<byte[], byte[]> consumer;
    private final Optional<Producer<byte[], byte[]>> producer;
    private final ReplayOptions options;
    private final Map<String, Boolean> topicExists = new HashMap<>();
    private volatile boolean stopping;

    private long replayed;
    private long skippedByFilter;
    private long leftAlone;
    private final SortedMap<StageReason, Long> replayedBy = new TreeMap<>(
            Comparator.comparing(StageReason::stage).thenComparing(StageReason::reason));

    /**
     * @param consumer a consumer of the checkpoint's group, reading committed records only, that does not commit by itself
     * @param producer an idempotent producer with {@code acks=all}; none for a dry run
     */
    public Replay(Consumer<byte[], byte[]> consumer, Optional<Producer<byte[], byte[]>> producer, ReplayOptions options) {
        if (producer.isEmpty() && !options.dryRun()) {
            throw new IllegalArgumentException("a replay that is not a dry run needs a producer");
        }
        this.consumer = consumer;
        this.producer = producer;
        this.options = options;
    }

    /** Asks a running replay to end after its current batch, committed. */
    public void stop() {
        stopping = true;
    }

    /**
     * Reads up to the end offsets as they are now, sends back what the options select, commits after each batch.
     *
     * @throws CannotStart when the dead-letter topic does not exist or {@code fromOffsets} names a partition it lacks
     * @throws Failed  when a replayed record could not be written (its batch is not committed), or reading stalls
     */
    public Summary run(Listener listener) {
        long started = System.nanoTime();
        String topic = options.deadLetterTopic();
        List<TopicPartition> partitions = partitions(topic);
        consumer.assign(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
        for (TopicPartition partition : partitions) {
            Long from = options.fromOffsets().get(partition.partition());
            OffsetAndMetadata remembered = committed.get(partition);
            if (from != null) {
                consumer.seek(partition, from);
            } else if (remembered != null) {
                consumer.seek(partition, remembered.offset());
            } else {
                consumer.seekToBeginning(List.of(partition));
            }
        }
        Map<TopicPartition, Long> positions = new LinkedHashMap<>();
        long toRead = 0;
        for (TopicPartition partition : partitions) {
            long position = consumer.position(partition);
            positions.put(partition, position);
            toRead += Math.max(0, ends.get(partition) - position);
        }
        listener.started(toRead);
        Set<TopicPartition> open = new HashSet<>();
        for (TopicPartition partition : partitions) {
            if (positions.get(partition) < ends.get(partition)) {
                open.add(partition);
            }
        }
        consumer.pause(partitions.stream().filter(p -> !open.contains(p)).toList());
        long lastProgress = System.nanoTime();
        while (!open.isEmpty() && !stopping) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition()))) {
                    handle(record, sent, listener);
                }
            }
            awaitAcknowledged(sent);
            Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
            List<TopicPartition> finished = new ArrayList<>();
            for (TopicPartition partition : open) {
                // Records beyond the end offset were returned but not replayed: they are for the next run.
                long position = Math.min(consumer.position(partition), ends.get(partition));
                if (position != positions.get(partition)) {
                    positions.put(partition, position);
                    toCommit.put(partition, new OffsetAndMetadata(position));
                    lastProgress = System.nanoTime();
                }
                if (position >= ends.get(partition)) {
                    finished.add(partition);
                }
            }
            if (!options.dryRun() && !toCommit.isEmpty()) {
                consumer.commitSync(toCommit);
            }
            finished.forEach(open::remove);
            consumer.pause(finished);
            listener.progressed(replayed, replayed + skippedByFilter + leftAlone);
            if (!open.isEmpty() && System.nanoTime() - lastProgress > STALLED.toNanos()) {
                throw new Failed("Reading " + topic + " made no progress for " + STALLED.toSeconds() + " s with "
                        + open.size() + " partitions unfinished" + (options.dryRun() ? "" : "; what was replayed so far is committed"));
            }
        }
        return new Summary(replayed, skippedByFilter, leftAlone, new TreeMap<>(replayedBy),
                Duration.ofNanos(System.nanoTime() - started), open.isEmpty());
    }

    private List<TopicPartition> partitions(String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new CannotStart("The dead-letter topic '" + topic + "' does not exist (setting dlq.topic)");
        }
        List<TopicPartition> partitions = infos.stream().map(info -> new TopicPartition(topic, info.partition()))
                .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
        for (int partition : options.fromOffsets().keySet()) {
            if (partition >= partitions.size()) {
                throw new CannotStart("--from-offsets: the dead-letter topic '" + topic + "' has no partition " + partition
                        + " (it has " + partitions.size() + ", 0 to " + (partitions.size() - 1) + ")");
            }
        }
        return partitions;
    }

    private void handle(ConsumerRecord<byte[], byte[]> record, List<Future<RecordMetadata>> sent, Listener listener) {
        ReplayOptions.Decision decision = options.decide(record.headers(), Instant.ofEpochMilli(record.timestamp()));
        if (decision.action() == ReplayOptions.Action.SKIPPED_BY_FILTER) {
            skippedByFilter++;
            return;
        }
        String origin = TextHeaders.read(record.headers(), DeadLetterHeaders.ORIGIN_TOPIC).orElse("");
        if (decision.action() == ReplayOptions.Action.REPLAY && !exists(origin)) {
            decision = new ReplayOptions.Decision(ReplayOptions.Action.LEFT_ALONE, "its origin topic '" + origin + "' does not exist");
        }
        if (decision.action() == ReplayOptions.Action.LEFT_ALONE) {
            leftAlone++;
            listener.leftAlone(record, decision.why());
            return;
        }
        replayed++;
        replayedBy.merge(StageReason.of(record.headers()), 1L, Long::sum);
        if (!options.dryRun()) {
            // No partition and no timestamp: the key decides the partition as it did for the original, and an old
            // timestamp would let retention delete the record at once.
            sent.add(producer.orElseThrow().send(new ProducerRecord<>(origin, null, null, record.key(), record.value(),
                    ReplayHeaders.forReplay(record.headers()))));
        }
    }

    private boolean exists(String topic) {
        return topicExists.computeIfAbsent(topic, name -> {
            List<PartitionInfo> infos = consumer.partitionsFor(name);
            return infos != null && !infos.isEmpty();
        });
    }

    private void awaitAcknowledged(List<Future<RecordMetadata>> sent) {
        if (sent.isEmpty()) {
            return;
        }
        producer.orElseThrow().flush();
        for (Future<RecordMetadata> send : sent) {
            try {
                send.get();
            } catch (ExecutionException e) {
                throw new Failed("Writing a replayed record failed: " + e.getCause()
                        + "; the offsets of its batch are not committed, so the next replay sends the batch again");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Failed("Interrupted while waiting for the broker's acknowledgement; the batch is not committed");
            }
        }
    }

    /** The replay cannot start as asked: a setting or a flag does not fit the topic. */
    public static final class CannotStart extends RuntimeException {
        CannotStart(String message) {
            super(message);
        }
    }

    /** The replay stopped before the end; what it committed stays replayed. */
    public static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message);
        }
    }
}

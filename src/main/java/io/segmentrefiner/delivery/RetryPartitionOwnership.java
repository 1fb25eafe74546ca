package io.segmentrefiner.delivery;

import org.apache.kafka.common.header.Headers;

import java.time.Duration;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One reader's ownership of one retry partition, and what it reads back of the ownerships before it: whose records
 * count. A reader begins its ownership with an {@code owner} record naming the consumer group's generation it was
 * assigned the partition in. Reading the partition, an owner record of a later generation begins a new ownership;
 * one of the same generation and writer continues it; any other is a zombie's (a reader that lost the partition and
 * still had records on their way), and so is every record not by the current owner. Pure and not thread-safe: the
 * scheduler holds its lock.
 */
final class RetryPartitionOwnership {

    // How often an owner record lets the retry partition's committed offset move up: often enough that it trails the
    // lines by about a second of records, which the next owner reads back, and rarely enough that a busy partition
    // gets one small record a second.
    private static final Duration RENEW_EVERY = Duration.ofSeconds(1);

    private final String writer = UUID.randomUUID().toString();
    private long generation = -1;
    private long firstRecord = -1;
    private int writesSinceRecord;
    private long lastRecordNanos;
    // Offsets of owner records that begin what counts: where a reader of the partition may start.
    private final TreeSet<Long> records = new TreeSet<>();
    // While reading back: the owner whose records count, and the generation it owned the partition in.
    private String current;
    private long currentGeneration = -1;

    RetryPartitionOwnership(long groupGeneration) {
        this.generation = groupGeneration;
    }

    /** Who writes this reader's records: every record of the partition names its writer. */
    String writer() {
        return writer;
    }

    /** The headers of the next owner record this reader writes. */
    Headers ownerRecord(long nowNanos) {
        writesSinceRecord = 0;
        lastRecordNanos = nowNanos;
        return RetryHeaders.owner(writer, generation);
    }

    /** A record of a line was written since the last owner record. */
    void wrote() {
        writesSinceRecord++;
    }

    /** Whether to say again that this reader owns the partition: it wrote since, and a second has passed. */
    boolean renewalDue(long nowNanos) {
        return writesSinceRecord > 0 && nowNanos - lastRecordNanos >= RENEW_EVERY.toNanos();
    }

    /** The broker has one of this reader's owner records. */
    void acknowledged(long offset) {
        records.add(offset);
        if (firstRecord < 0) {
            firstRecord = offset;
        }
    }

    /** How far the partition is to be read back: past this reader's first owner record, once the broker has it. */
    Optional<Long> catchUpEnd() {
        return firstRecord < 0 ? Optional.empty() : Optional.of(firstRecord + 1);
    }

    /** Whether a record read back counts: an owner record (judged by {@link #read}), or one by the current owner. */
    boolean counts(RetryHeaders.Entry entry) {
        return entry.kind() == RetryHeaders.Kind.OWNER || current == null || entry.writer().filter(current::equals).isPresent();
    }

    /** An owner record read back. Before the first one, everybody's records count (they were written before owners). */
    void read(long offset, RetryHeaders.Entry owner) {
        String writtenBy = owner.writer().orElse("");
        if (current == null || owner.generation() > currentGeneration) {
            current = writtenBy;
            currentGeneration = owner.generation();
            records.add(offset);
        } else if (owner.generation() == currentGeneration && writtenBy.equals(current)) {
            records.add(offset);
        }
    }

    /**
     * Read back past this reader's own owner record: true when that record did not count, because the partition was
     * owned in a generation no lower than this reader's (the group was deleted and made again, and counts from 1).
     * This reader then takes the generation after, and must write an owner record before anything else.
     */
    boolean outranked() {
        if (current == null || current.equals(writer)) {
            return false;
        }
        generation = currentGeneration + 1;
        current = writer;
        currentGeneration = generation;
        return true;
    }

    long generation() {
        return generation;
    }

    /**
     * Where a reader may start reading the partition: the last owner record before the lowest record still in a
     * line, or the last one when no line holds any; empty when there is none.
     */
    Optional<Long> committable(SortedSet<Long> liveRecords) {
        return Optional.ofNullable(liveRecords.isEmpty() ? records.floor(Long.MAX_VALUE) : records.floor(liveRecords.first()));
    }
}

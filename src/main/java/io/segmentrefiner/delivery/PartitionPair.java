package io.segmentrefiner.delivery;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a pair of partitions holds for one ownership of it: the requests read from it, the lines of its waiting
 * contacts, and what reading its retry partition back has found of them. Guarded by the {@link ContactScheduler}'s
 * lock.
 */
final class PartitionPair {

    final int index;
    // Which ownership of the pair this is: what was decided for an earlier one is not acted on.
    final long generation;
    final Map<String, Contact> contacts = new HashMap<>();
    // Offsets on the retry topic of the latest record of each request in a line.
    final TreeSet<Long> liveRetryOffsets = new TreeSet<>();
    // This reader's ownership of the retry partition, from its first owner record on.
    RetryPartitionOwnership ownership;
    OffsetTracker requestOffsets;
    // Offsets on the requests topic of the requests met in lines while catching up: each one's outcome is durable.
    private final Set<Long> placedInLines = new HashSet<>();
    // Per contact, the last offset on the requests topic its line showed while catching up. A contact's requests
    // join its line in their order, so every one below that offset was done before it joined (or is in the line):
    // read again, it is done even once the line has ended and the contact is forgotten. Dropped once the
    // requests read pass it.
    final Map<String, Long> lineEndsReadBack = new HashMap<>();
    boolean caughtUp;
    boolean revoked;
    int attemptsInFlight;
    int writesInFlight;

    PartitionPair(int index, long generation) {
        this.index = index;
        this.generation = generation;
    }

    Contact contact(String key) {
        return contacts.computeIfAbsent(key, k -> new Contact(this, k));
    }

    /**
     * A record of the retry topic read while the pair catches up: what the lines held when the pair was handed over.
     * An owner record tells whose records count; one written by nobody who owned the partition then is ignored.
     *
     * @param request the request a retry or held record holds; empty for a resolved one
     * @return how many more requests the lines hold now (-1, 0 or 1)
     */
    int replayed(long retryOffset, RetryHeaders.Entry entry, String contactKey, Optional<Pending> request, String requestsTopic) {
        if (entry.kind() == RetryHeaders.Kind.OWNER) {
            ownership.read(retryOffset, entry);
            return 0;
        }
        if (!ownership.counts(entry)) {
            return 0; // written by a reader that no longer owned the partition
        }
        long originOffset = entry.history().origin().offset();
        if (entry.history().origin().topic().equals(requestsTopic)) {
            placedInLines.add(originOffset);
            lineEndsReadBack.merge(contactKey, originOffset, Math::max);
        }
        Contact contact = contact(contactKey);
        contact.lineEnd = Math.max(contact.lineEnd, originOffset);
        if (entry.kind() == RetryHeaders.Kind.RESOLVED) {
            Pending resolved = contact.line.remove(originOffset);
            if (resolved != null) {
                liveRetryOffsets.remove(resolved.retryOffset);
            }
            contact.forgetIfIdle();
            return resolved != null ? -1 : 0;
        }
        Pending pending = request.orElseThrow();
        pending.generation = generation;
        Pending known = contact.line.get(pending.originOffset);
        if (known != null) {
            // A later record of the same request: it knows more of its attempts.
            liveRetryOffsets.remove(known.retryOffset);
            known.history = pending.history;
            known.due = pending.due;
            known.retryOffset = retryOffset;
        } else {
            pending.inLine = true;
            pending.retryOffset = retryOffset;
            contact.line.put(pending.originOffset, pending);
        }
        liveRetryOffsets.add(retryOffset);
        return known != null ? 0 : 1;
    }

    /** Its lines are read back: they are known, and its requests may be read. */
    void caughtUp() {
        caughtUp = true;
        // A request that reached a line is done on the requests topic, even when its last owner could not commit
        // that (the broker was away, the partition was taken): without this, one whose line has ended since
        // would be sent again when read there, since its contact no longer remembers it.
        placedInLines.forEach(requestOffsets::doneInALine);
        placedInLines.clear();
    }

    /** Its record in the line is durable: an older one of the same request counts no more, and its offset on the requests topic is done. */
    void placed(Pending pending, long offset) {
        if (pending.retryOffset >= 0) {
            liveRetryOffsets.remove(pending.retryOffset);
        } else if (pending.fromRequests) {
            requestOffsets.done(pending.originOffset);
        }
        pending.retryOffset = offset;
        liveRetryOffsets.add(offset);
    }

    /** Whether nothing of it is in flight or waiting for the broker. */
    boolean quiet() {
        return attemptsInFlight == 0 && writesInFlight == 0;
    }

    /**
     * What can be committed: on the requests topic the lowest offset without a durable outcome, and in the metadata
     * those done above it; on the retry topic the last owner record before the lowest record still in a line (or the
     * last one, when no line holds any), so that reading from it starts with whose records count. Nothing while it
     * still catches up: its own owner record would pass the lines not read back yet, and lose them.
     */
    Map<TopicPartition, OffsetAndMetadata> committable(String requestsTopic, String retryTopic) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        if (!caughtUp) {
            return commit;
        }
        if (requestOffsets != null && requestOffsets.committable() >= 0) {
            commit.put(new TopicPartition(requestsTopic, index), new OffsetAndMetadata(requestOffsets.committable(), requestOffsets.metadata()));
        }
        ownership.committable(liveRetryOffsets).ifPresent(from -> commit.put(new TopicPartition(retryTopic, index), new OffsetAndMetadata(from)));
        return commit;
    }

    long waitingContacts() {
        return contacts.values().stream().filter(Contact::waiting).count();
    }

    int inLines() {
        return contacts.values().stream().mapToInt(contact -> contact.line.size()).sum();
    }
}

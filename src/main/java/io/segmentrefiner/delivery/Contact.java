package io.segmentrefiner.delivery;

import java.util.ArrayDeque;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One contact of one pair: its queue read from the requests topic, or its line on the retry topic. Guarded by the
 * {@link ContactScheduler}'s lock.
 */
final class Contact {

    final PartitionPair pair;
    final String key;
    final ArrayDeque<Pending> queue = new ArrayDeque<>();
    final TreeMap<Long, Pending> line = new TreeMap<>();
    // The highest offset that was in the line: every request of the contact up to it is done.
    long lineEnd = -1;
    int resolutionsInFlight;
    // Dead letters not yet durable: until they are, nothing of the contact after them goes out, since a restart
    // would send the dead-lettered request again, after it.
    int deadLettersInFlight;
    Pending inFlight;
    // Whether it is in the scheduler's queue of contacts ready to send.
    boolean ready;

    Contact(PartitionPair pair, String key) {
        this.pair = pair;
        this.key = key;
    }

    /** Whether its requests wait in the line: one of them needs a retry, or the line's end is not yet durable. */
    boolean waiting() {
        return !line.isEmpty() || resolutionsInFlight > 0;
    }

    /** The request to send next, due or not; empty when one is in flight or nothing is there. */
    Optional<Pending> next() {
        if (inFlight != null || deadLettersInFlight > 0) {
            return Optional.empty();
        }
        if (waiting()) {
            return line.isEmpty() ? Optional.empty() : Optional.of(line.firstEntry().getValue());
        }
        return Optional.ofNullable(queue.peekFirst());
    }

    boolean idle() {
        return queue.isEmpty() && line.isEmpty() && resolutionsInFlight == 0 && deadLettersInFlight == 0 && inFlight == null;
    }

    /** A contact with nothing to do is forgotten by its pair; it is made again when its next request comes. */
    void forgetIfIdle() {
        if (idle() && !ready) {
            pair.contacts.remove(key);
        }
    }
}

package io.segmentrefiner.delivery;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The offsets of one partition whose outcome is not yet durable, and those done above the lowest of them.
 * Requests of different contacts finish out of order, so the committed offset (the lowest open one) can lag behind
 * requests already delivered; those are written into the commit's metadata, so that whoever reads the partition
 * next skips them instead of sending them again. Not thread-safe: the scheduler holds its lock.
 */
final class OffsetTracker {

    /** Kafka keeps 4096 characters of commit metadata by default ({@code offset.metadata.max.bytes}). */
    private static final int METADATA_LIMIT = 4_000;

    private final TreeSet<Long> open = new TreeSet<>();
    private final TreeSet<Long> doneAboveOpen = new TreeSet<>();
    // Offsets an earlier reader recorded as done and this one has not read yet: still done, and still to be recorded.
    private final TreeSet<Long> doneBefore;
    private long next = -1;

    /** @param doneBefore offsets that an earlier reader recorded as done, from the committed metadata */
    OffsetTracker(Set<Long> doneBefore) {
        this.doneBefore = new TreeSet<>(doneBefore);
    }

    /**
     * Takes an offset in; false when an earlier reader already finished it, and it is done at once (and recorded as
     * done again while an offset below it is open, so that the next reader skips it too).
     */
    boolean opened(long offset) {
        next = Math.max(next, offset + 1);
        if (doneBefore.remove(offset)) {
            recordDone(offset);
            return false;
        }
        open.add(offset);
        return true;
    }

    void done(long offset) {
        open.remove(offset);
        recordDone(offset);
    }

    private void recordDone(long offset) {
        if (!open.isEmpty() && offset > open.first()) {
            doneAboveOpen.add(offset);
        }
        doneAboveOpen.headSet(open.isEmpty() ? Long.MAX_VALUE : open.first()).clear();
    }

    /** The offset to commit, or -1 when nothing was seen. */
    long committable() {
        return open.isEmpty() ? next : open.first();
    }

    /**
     * The offsets done above {@link #committable()}, by this reader or by an earlier one and not read again yet, as
     * the distances from it in base 36, comma-separated.
     */
    String metadata() {
        long base = committable();
        TreeSet<Long> done = new TreeSet<>(doneAboveOpen);
        done.addAll(doneBefore.tailSet(base, true)); // the committed offset itself may be one of them
        StringBuilder text = new StringBuilder();
        for (long offset : done) {
            String delta = Long.toString(offset - base, 36);
            if (text.length() + delta.length() + 1 > METADATA_LIMIT) {
                break; // the rest are sent again after a restart: at least once, never lost
            }
            text.append(text.isEmpty() ? "" : ",").append(delta);
        }
        return text.toString();
    }

    /** The offsets a commit's metadata records as done. */
    static Set<Long> doneIn(long committed, Optional<String> metadata) {
        Set<Long> done = new HashSet<>();
        metadata.filter(text -> !text.isBlank()).ifPresent(text -> {
            for (String delta : text.split(",")) {
                try {
                    done.add(committed + Long.parseLong(delta, 36));
                } catch (NumberFormatException notOurs) {
                    // metadata some other tool wrote: nothing to skip
                }
            }
        });
        return done;
    }
}

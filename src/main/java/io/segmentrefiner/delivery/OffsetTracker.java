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

    /**
     * Kafka keeps 4096 characters of commit metadata by default ({@code offset.metadata.max.bytes}); a little less
     * leaves room for the last run written and never makes a commit that the broker refuses.
     */
    private static final int METADATA_LIMIT = 4_000;
    // More than a partition can have read ahead of its lowest open offset: a longer run is not metadata we wrote.
    private static final long MAX_RUN = 1_000_000;

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
        if (next < 0) {
            doneBefore.headSet(offset).clear(); // below where reading starts: never read by this reader
        }
        next = Math.max(next, offset + 1);
        if (doneBefore.remove(offset)) {
            recordDone(offset);
            return false;
        }
        open.add(offset);
        return true;
    }

    /**
     * An offset whose request the retry topic shows in a line, read back before this reader reads the partition:
     * done, like one the last reader recorded, unless this reader has read past it already.
     */
    void doneInALine(long offset) {
        if (offset >= next) {
            doneBefore.add(offset);
        }
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
     * the distances from it in base 36, comma-separated, a run of consecutive ones as {@code first-last}: the offsets
     * done above an open one are mostly runs between a few open ones, so thousands fit in Kafka's limit.
     */
    String metadata() {
        long base = committable();
        TreeSet<Long> done = new TreeSet<>(doneAboveOpen);
        done.addAll(doneBefore.tailSet(base, true)); // the committed offset itself may be one of them
        StringBuilder text = new StringBuilder();
        Long first = null;
        long last = 0;
        for (long offset : done) {
            if (first != null && offset == last + 1) {
                last = offset;
                continue;
            }
            if (first != null && !append(text, run(first - base, last - base))) {
                return text.toString();
            }
            first = offset;
            last = offset;
        }
        if (first != null) {
            append(text, run(first - base, last - base));
        }
        return text.toString();
    }

    private static String run(long first, long last) {
        return first == last ? Long.toString(first, 36) : Long.toString(first, 36) + "-" + Long.toString(last, 36);
    }

    /** False when the run no longer fits: the rest are sent again after a restart, at least once, never lost. */
    private static boolean append(StringBuilder text, String run) {
        if (text.length() + run.length() + 1 > METADATA_LIMIT) {
            return false;
        }
        text.append(text.isEmpty() ? "" : ",").append(run);
        return true;
    }

    /** The offsets a commit's metadata records as done. */
    static Set<Long> doneIn(long committed, Optional<String> metadata) {
        Set<Long> done = new HashSet<>();
        metadata.filter(text -> !text.isBlank()).ifPresent(text -> {
            for (String run : text.split(",")) {
                try {
                    int dash = run.indexOf('-', 1);
                    long first = Long.parseLong(dash < 0 ? run : run.substring(0, dash), 36);
                    long last = dash < 0 ? first : Long.parseLong(run.substring(dash + 1), 36);
                    if (first < 0 || last < first || last - first > MAX_RUN) {
                        continue; // not ours
                    }
                    for (long distance = first; distance <= last; distance++) {
                        done.add(committed + distance);
                    }
                } catch (NumberFormatException notOurs) {
                    // metadata some other tool wrote: nothing to skip
                }
            }
        });
        return done;
    }
}

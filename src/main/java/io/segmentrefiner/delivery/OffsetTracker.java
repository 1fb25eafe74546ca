package io.segmentrefiner.delivery;

import java.util.TreeSet;

/**
 * The offsets of one partition whose outcome is not yet durable. What may be committed is the lowest of them,
 * or one past the highest seen when all are done: a crash then re-reads only what had no durable outcome.
 * Not thread-safe: the scheduler holds its lock.
 */
final class OffsetTracker {

    private final TreeSet<Long> open = new TreeSet<>();
    private long next = -1;

    void opened(long offset) {
        open.add(offset);
        next = Math.max(next, offset + 1);
    }

    void done(long offset) {
        open.remove(offset);
    }

    boolean isDone(long offset) {
        return !open.contains(offset);
    }

    int openCount() {
        return open.size();
    }

    /** The offset to commit, or -1 when nothing was seen. */
    long committable() {
        return open.isEmpty() ? next : open.first();
    }
}

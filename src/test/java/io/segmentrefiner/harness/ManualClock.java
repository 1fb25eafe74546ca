package io.segmentrefiner.harness;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock the test moves; its nanoseconds since the start move with it. */
public final class ManualClock extends Clock {

    private final Instant start;
    private Instant now;

    public ManualClock(Instant start) {
        this.start = start;
        this.now = start;
    }

    public void advance(Duration by) {
        now = now.plus(by);
    }

    public void set(Instant instant) {
        now = instant;
    }

    /** Nanoseconds since the start: a {@code System.nanoTime()} that moves with the clock. */
    public long nanos() {
        return Duration.between(start, now).toNanos();
    }

    @Override
    public ZoneOffset getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now;
    }
}

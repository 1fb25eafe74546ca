package io.segmentrefiner.delivery;

import java.time.Duration;
import java.util.Optional;

/**
 * How many requests may be in flight now. Additive increase, multiplicative decrease: a 429 halves the limit and
 * pauses everybody for the {@code Retry-After} (a second when none was given), each delivered request raises the
 * limit back towards {@code delivery.max.in.flight} by one over the limit. An optional rate limit (requests per
 * second, a token bucket holding one second's worth) comes on top. Not thread-safe: the scheduler holds its lock.
 */
final class Throttle {

    private static final Duration DEFAULT_PAUSE = Duration.ofSeconds(1);

    private final int maxInFlight;
    private final double ratePerSecond;
    private double limit;
    private int inFlight;
    private long pausedUntilNanos;
    private double tokens;
    private long lastRefillNanos;

    Throttle(int maxInFlight, double ratePerSecond, long nowNanos) {
        this.maxInFlight = maxInFlight;
        this.ratePerSecond = ratePerSecond;
        this.limit = maxInFlight;
        this.tokens = Math.max(1, ratePerSecond);
        this.lastRefillNanos = nowNanos;
    }

    /** Takes a slot when one is free now. */
    boolean tryAcquire(long nowNanos) {
        if (nowNanos < pausedUntilNanos || inFlight >= Math.max(1, (int) limit)) {
            return false;
        }
        if (ratePerSecond > 0) {
            tokens = Math.min(Math.max(1, ratePerSecond), tokens + (nowNanos - lastRefillNanos) / 1e9 * ratePerSecond);
            lastRefillNanos = nowNanos;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
        }
        inFlight++;
        return true;
    }

    /** Gives the slot back, learning from the answer. */
    void release(Verdict verdict, long nowNanos) {
        inFlight--;
        if (verdict instanceof Verdict.Retry retry && retry.throttled()) {
            limit = Math.max(1, limit / 2);
            Duration pause = retry.retryAfter().orElse(DEFAULT_PAUSE);
            pausedUntilNanos = Math.max(pausedUntilNanos, nowNanos + pause.toNanos());
        } else if (verdict instanceof Verdict.Delivered) {
            limit = Math.min(maxInFlight, limit + 1 / limit);
        }
    }

    /** How long until a slot may free up without a release: the pause or the next token. */
    Optional<Duration> waitWhenBlocked(long nowNanos) {
        if (nowNanos < pausedUntilNanos) {
            return Optional.of(Duration.ofNanos(pausedUntilNanos - nowNanos));
        }
        if (ratePerSecond > 0 && tokens < 1) {
            return Optional.of(Duration.ofNanos((long) ((1 - tokens) / ratePerSecond * 1e9) + 1));
        }
        return Optional.empty();
    }

    int inFlight() {
        return inFlight;
    }

    int limit() {
        return (int) limit;
    }
}

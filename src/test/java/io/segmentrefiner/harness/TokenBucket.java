package io.segmentrefiner.harness;

/**
 * A rate limiter as an API has one: {@code rate} requests a second, a burst of {@code burstSeconds} of that, and
 * what comes above it refused. For a {@link RefinerStub} that answers 429 with {@code Retry-After: 1} when
 * {@link #admit()} says no.
 */
public final class TokenBucket {

    private final double rate;
    private final double capacity;
    private double tokens;
    private long last = System.nanoTime();

    public TokenBucket(double rate, double burstSeconds) {
        this.rate = rate;
        this.capacity = Math.max(1, rate * burstSeconds);
        this.tokens = capacity;
    }

    /** Whether a request arriving now is let through. */
    public synchronized boolean admit() {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - last) / 1e9 * rate);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}

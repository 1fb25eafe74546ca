package io.segmentrefiner.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Randomized exponential backoff (a uniform delay between half and all of {@code base * 2^attempts}, capped), or the
 * server's {@code Retry-After} when it gave one, for up to {@code maxDuration} after the first attempt.
 */
public record RetryPolicy(Duration base, Duration cap, Duration maxDuration) {

    /** When to try again after {@code attempts} attempts, or empty when that would be past the retry window. */
    public Optional<Instant> nextAttempt(int attempts, Instant firstAttempt, Instant now, Optional<Duration> retryAfter) {
        Duration delay = retryAfter.orElseGet(() -> jittered(attempts));
        Instant next = now.plus(delay);
        return next.isAfter(firstAttempt.plus(maxDuration)) ? Optional.empty() : Optional.of(next);
    }

    Duration jittered(int attempts) {
        // Doubling per attempt; past 2^30 times the base the cap has long been reached, and a larger shift overflows.
        long ceiling = base.toMillis() << Math.min(attempts, 30);
        long bounded = Math.min(Math.max(ceiling, 1), cap.toMillis());
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(bounded / 2, bounded + 1));
    }
}

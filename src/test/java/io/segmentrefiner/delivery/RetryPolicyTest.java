package io.segmentrefiner.delivery;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(10), Duration.ofHours(4));
    private final Instant first = Instant.parse("2026-11-28T10:00:00Z");

    @RepeatedTest(20)
    void theDelayGrowsExponentiallyWithJitterUpToTheCap() {
        assertThat(policy.jittered(1)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(policy.jittered(4)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(16));
        assertThat(policy.jittered(40)).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(10));
    }

    @Test
    void retryAfterWinsOverTheBackoff() {
        Instant now = first.plusSeconds(5);

        assertThat(policy.nextAttempt(1, first, now, Optional.of(Duration.ofSeconds(42)))).contains(now.plusSeconds(42));
    }

    @Test
    void noAttemptPastTheRetryWindow() {
        Instant late = first.plus(Duration.ofHours(4)).minusSeconds(10);

        assertThat(policy.nextAttempt(3, first, late, Optional.of(Duration.ofSeconds(30)))).isEmpty();
        assertThat(policy.nextAttempt(3, first, late, Optional.of(Duration.ofSeconds(5)))).contains(late.plusSeconds(5));
    }
}

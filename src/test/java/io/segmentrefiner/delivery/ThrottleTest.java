package io.segmentrefiner.delivery;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ThrottleTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void allowsUpToTheLimitInFlight() {
        Throttle throttle = new Throttle(3, 0, 0);

        assertThat(throttle.tryAcquire(0)).isTrue();
        assertThat(throttle.tryAcquire(0)).isTrue();
        assertThat(throttle.tryAcquire(0)).isTrue();
        assertThat(throttle.tryAcquire(0)).isFalse();
        throttle.release(new Verdict.Delivered(), 0);
        assertThat(throttle.tryAcquire(0)).isTrue();
    }

    @Test
    void a429HalvesTheLimitAndPausesEverybodyForTheRetryAfter() {
        Throttle throttle = new Throttle(64, 0, 0);
        throttle.tryAcquire(0);

        throttle.release(new Verdict.Retry(Optional.of(Duration.ofSeconds(2)), true), 0);

        assertThat(throttle.limit()).isEqualTo(32);
        assertThat(throttle.tryAcquire(SECOND)).isFalse();
        assertThat(throttle.waitWhenBlocked(SECOND)).contains(Duration.ofSeconds(1));
        assertThat(throttle.tryAcquire(2 * SECOND)).isTrue();
    }

    @Test
    void deliveriesRaiseTheLimitBackSlowly() {
        Throttle throttle = new Throttle(8, 0, 0);
        throttle.tryAcquire(0);
        throttle.release(new Verdict.Retry(Optional.empty(), true), 0);
        assertThat(throttle.limit()).isEqualTo(4);

        for (int i = 0; i < 4; i++) {
            throttle.tryAcquire(10 * SECOND);
            throttle.release(new Verdict.Delivered(), 10 * SECOND);
        }

        assertThat(throttle.limit()).isEqualTo(4);
        for (int i = 0; i < 40; i++) {
            throttle.tryAcquire(10 * SECOND);
            throttle.release(new Verdict.Delivered(), 10 * SECOND);
        }
        assertThat(throttle.limit()).isEqualTo(8);
    }

    @Test
    void aRateLimitSpacesRequests() {
        Throttle throttle = new Throttle(100, 2, 0);

        assertThat(throttle.tryAcquire(0)).isTrue();
        assertThat(throttle.tryAcquire(0)).isTrue();
        assertThat(throttle.tryAcquire(0)).isFalse();
        assertThat(throttle.waitWhenBlocked(0)).hasValueSatisfying(wait -> assertThat(wait).isBetween(Duration.ofMillis(400), Duration.ofMillis(600)));
        assertThat(throttle.tryAcquire(SECOND / 2)).isTrue();
    }
}

package io.segmentrefiner.delivery;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class KeyBreakerTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void aRefusedKeyOpensItAndEachRefusedProbeDoublesTheWaitUpToTheLongest() {
        KeyBreaker breaker = new KeyBreaker(Duration.ofSeconds(5));

        assertThat(breaker.refused(401, false, 0)).contains(KeyBreaker.FIRST_PROBE);
        assertThat(breaker.open()).isTrue();
        assertThat(breaker.refused(403, false, 0)).as("one sent before the first refusal: the probe is timed already").isEmpty();
        assertThat(breaker.probeDue(SECOND - 1)).isFalse();
        assertThat(breaker.untilProbe(SECOND / 2)).contains(Duration.ofMillis(500));
        assertThat(breaker.probeDue(SECOND)).isTrue();

        breaker.probeSent();
        assertThat(breaker.probeDue(10 * SECOND)).as("one probe at a time").isFalse();
        assertThat(breaker.untilProbe(10 * SECOND)).as("the probe's answer decides").isEmpty();
        assertThat(breaker.refused(401, true, SECOND)).contains(Duration.ofSeconds(2));
        breaker.probeSent();
        assertThat(breaker.refused(401, true, 3 * SECOND)).contains(Duration.ofSeconds(4));
        breaker.probeSent();
        assertThat(breaker.refused(401, true, 7 * SECOND)).contains(Duration.ofSeconds(5));
    }

    @Test
    void anAcceptedAnswerClosesItAndTheNextRefusalStartsFromTheFirstWait() {
        KeyBreaker breaker = new KeyBreaker(Duration.ofMinutes(5));
        breaker.refused(401, false, 0);
        breaker.probeSent();
        breaker.refused(401, true, SECOND);

        breaker.accepted();

        assertThat(breaker.open()).isFalse();
        assertThat(breaker.refused(401, false, 10 * SECOND)).contains(KeyBreaker.FIRST_PROBE);
        assertThat(breaker.probeDue(11 * SECOND)).isTrue();
    }

    @Test
    void aProbeWhoseAnswerWillNotCountLetsAnotherGo() {
        KeyBreaker breaker = new KeyBreaker(Duration.ofMinutes(5));
        breaker.refused(401, false, 0);
        breaker.probeSent();

        breaker.probeForgotten();

        assertThat(breaker.probeDue(SECOND)).isTrue();
    }
}

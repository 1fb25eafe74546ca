package io.segmentrefiner.delivery;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.LongFunction;

import static io.segmentrefiner.delivery.ThrottleSimulation.MS;
import static io.segmentrefiner.delivery.ThrottleSimulation.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The throttle's decisions, first one by one, then over simulated minutes against a token-bucket rate limiter
 * and a proxy that answers 429 at random ({@link ThrottleSimulation}: virtual time, many seeds, milliseconds).
 */
class ThrottleTest {

    private static final Verdict DELIVERED = new Verdict.Delivered();
    private static final Verdict THROTTLED = new Verdict.Retry(Optional.of(Duration.ofSeconds(1)), true);
    private static final int SEEDS = 10;

    @Test
    void allowsUpToTheLimitInFlight() {
        Throttle throttle = new Throttle(3, 0, 0);

        List<Throttle.Ticket> tickets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tickets.add(throttle.tryAcquire(0).orElseThrow());
        }
        assertThat(throttle.tryAcquire(0)).isEmpty();
        throttle.release(tickets.get(0), DELIVERED, MS);
        assertThat(throttle.tryAcquire(MS)).isPresent();
    }

    @Test
    void aConfiguredRateSpacesRequests() {
        Throttle throttle = new Throttle(100, 20, 0);

        assertThat(throttle.tryAcquire(0)).isPresent();
        assertThat(throttle.tryAcquire(0)).isPresent();
        assertThat(throttle.tryAcquire(0)).as("a tenth of a second's burst: 2 at 20 a second").isEmpty();
        assertThat(throttle.waitWhenBlocked(0)).hasValueSatisfying(wait ->
                assertThat(wait).isBetween(Duration.ofMillis(45), Duration.ofMillis(55)));
        assertThat(throttle.tryAcquire(50 * MS)).isPresent();
    }

    @Test
    void aBurstOf429sIsOneCongestionEventAndDecreasesTheRateOnce() {
        Throttle throttle = new Throttle(64, 0, 0);
        congestedBurst(throttle);

        // 20 accepted in the 10 ms since the first answer, 2,000 a second: 0.9 of that, once for all 44 429s.
        assertThat(throttle.rate()).isCloseTo(1_800, org.assertj.core.data.Offset.offset(1.0));
    }

    @Test
    void a429ForARequestSentBeforeTheDecreaseChangesNothing() {
        Throttle throttle = new Throttle(64, 0, 0);
        List<Throttle.Ticket> early = acquire(throttle, 64, 0);
        early.subList(0, 40).forEach(ticket -> throttle.release(ticket, DELIVERED, 10 * MS));
        early.subList(40, 50).forEach(ticket -> throttle.release(ticket, THROTTLED, 10 * MS));
        double decreased = throttle.rate();
        assertThat(decreased).isFinite();

        early.subList(50, 64).forEach(ticket -> throttle.release(ticket, THROTTLED, 11 * MS));

        assertThat(throttle.rate()).isEqualTo(decreased);
    }

    @Test
    void aHandfulOf429sAmongTheFirstAnswersIsNoCongestionYet() {
        Throttle throttle = new Throttle(64, 0, 0);
        List<Throttle.Ticket> sent = acquire(throttle, 64, 0);
        sent.subList(0, 15).forEach(ticket -> throttle.release(ticket, DELIVERED, 10 * MS));

        sent.subList(15, 20).forEach(ticket -> throttle.release(ticket, THROTTLED, 10 * MS));

        assertThat(throttle.rate()).as("5 of 20 is what a proxy refusing 10% at random gives one time in 25").isInfinite();
        sent.subList(20, 50).forEach(ticket -> throttle.release(ticket, DELIVERED, 11 * MS));
        assertThat(throttle.rate()).as("5 of 50").isInfinite();
    }

    @Test
    void aDecreaseAfterWhich429sStayNearlyAsFrequentIsUndoneNotRepeated() {
        Throttle throttle = new Throttle(200, 0, 0);
        List<Throttle.Ticket> first = acquire(throttle, 50, 0);
        first.subList(0, 45).forEach(ticket -> throttle.release(ticket, DELIVERED, 10 * MS));
        first.subList(45, 50).forEach(ticket -> throttle.release(ticket, THROTTLED, 10 * MS));
        assertThat(throttle.rate()).as("5 of 50: a decrease, to be judged").isFinite();

        // 17% of the next hundred: more than the 10% before, far from the none a limiter would give.
        List<Throttle.Ticket> judged = acquire(throttle, 100, 300 * MS);
        judged.subList(0, 17).forEach(ticket -> throttle.release(ticket, THROTTLED, 310 * MS));
        judged.subList(17, 100).forEach(ticket -> throttle.release(ticket, DELIVERED, 310 * MS));

        assertThat(throttle.rate()).as("not about rate: undone").isInfinite();
        assertThat(throttle.background()).isEqualTo(0.17);
    }

    @Test
    void aLone429AmongAcceptedAnswersHoldsNobodyBack() {
        Throttle throttle = new Throttle(64, 0, 0);
        List<Throttle.Ticket> sent = acquire(throttle, 10, 0);
        sent.subList(0, 9).forEach(ticket -> throttle.release(ticket, DELIVERED, 5 * MS));

        throttle.release(sent.get(9), THROTTLED, 6 * MS);

        assertThat(throttle.paused(6 * MS)).isFalse();
        assertThat(throttle.rate()).as("one 429 is no congestion").isInfinite();
        assertThat(throttle.tryAcquire(6 * MS)).isPresent();
    }

    @Test
    void retryAfterHoldsEverybodyWhenNothingAtAllIsAccepted() {
        Throttle throttle = new Throttle(64, 0, 0);
        List<Throttle.Ticket> sent = acquire(throttle, 5, 0);

        sent.forEach(ticket -> throttle.release(ticket, THROTTLED, 5 * MS));

        assertThat(throttle.paused(5 * MS)).isTrue();
        assertThat(throttle.tryAcquire(500 * MS)).isEmpty();
        assertThat(throttle.waitWhenBlocked(500 * MS)).contains(Duration.ofMillis(505));
        assertThat(throttle.tryAcquire(1_006 * MS)).isPresent();
    }

    @Test
    void aRetryAfterYearsAheadHoldsEverybodyTenMinutesAtMost() {
        Throttle throttle = new Throttle(64, 0, 0);
        Verdict centuries = new Verdict.Retry(Optional.of(Duration.ofDays(365L * 1_000)), true);

        acquire(throttle, 5, 0).forEach(ticket -> throttle.release(ticket, centuries, 5 * MS));

        assertThat(throttle.waitWhenBlocked(5 * MS)).contains(Throttle.LONGEST_PAUSE);
        assertThat(throttle.tryAcquire(5 * MS + Throttle.LONGEST_PAUSE.toNanos())).isPresent();
    }

    @Test
    void aLearnedRateDoesNotGrowWhileNothingIsHeldBack() {
        Throttle throttle = new Throttle(64, 0, 0);
        congestedBurst(throttle);
        // Accepted at the new rate, held back by it all the while, until the decrease is judged to stand.
        long now = 20 * MS;
        for (; now < 500 * MS; now += MS) {
            for (Optional<Throttle.Ticket> ticket = throttle.tryAcquire(now); ticket.isPresent(); ticket = throttle.tryAcquire(now)) {
                throttle.release(ticket.get(), DELIVERED, now);
            }
        }
        double learned = throttle.rate();
        assertThat(learned).isFinite();

        throttle.tryAcquire(now + 60 * SECOND);

        assertThat(throttle.rate()).as("held back last a minute ago: two steps of growth at most, not 600")
                .isLessThanOrEqualTo(learned * Math.pow(1 + Throttle.GROWTH_PER_STEP, 2) + 1e-9);
    }

    @Test
    void findsATokenBucketsLimitAndKeeps429sRare() {
        for (double limit : new double[]{400, 2_000}) {
            for (int seed = 0; seed < SEEDS; seed++) {
                ThrottleSimulation.Result steady = simulate(tokenBucket(at -> limit), seed, 5 * MS, 10 * SECOND, 40 * SECOND);
                assertThat(steady.accepted()).as("goodput at %s a second, seed %d", limit, seed).isGreaterThan(0.95 * limit);
                assertThat(steady.throttledShare()).as("429s at %s a second, seed %d", limit, seed).isLessThan(0.03);
            }
        }
    }

    @Test
    void findsALimitThatRoseWithinSeconds() {
        for (int seed = 0; seed < SEEDS; seed++) {
            ThrottleSimulation.Result afterRise = simulate(tokenBucket(at -> at < 10 * SECOND ? 400.0 : 2_000.0), seed, 5 * MS,
                    13 * SECOND, 20 * SECOND);
            assertThat(afterRise.accepted()).as("from 3 s after the limit rose five-fold, seed %d", seed).isGreaterThan(1_900);
        }
    }

    @Test
    void followsALimitThatFell() {
        for (int seed = 0; seed < SEEDS; seed++) {
            ThrottleSimulation.Result afterFall = simulate(tokenBucket(at -> at < 10 * SECOND ? 2_000.0 : 400.0), seed, 5 * MS,
                    12 * SECOND, 20 * SECOND);
            assertThat(afterFall.accepted()).as("from 2 s after the limit fell five-fold, seed %d", seed).isGreaterThan(380);
            assertThat(afterFall.throttledShare()).as("seed %d", seed).isLessThan(0.05);
        }
    }

    @Test
    void random429sThatAreNotAboutRateCostLittleThroughput() {
        for (double share : new double[]{0.1, 0.3}) {
            for (long latency : new long[]{5 * MS, 20 * MS}) {
                for (int seed = 0; seed < SEEDS; seed++) {
                    ThrottleSimulation.Result clean = simulate(flaky(0, seed), seed, latency, 10 * SECOND, 40 * SECOND);
                    ThrottleSimulation.Result noisy = simulate(flaky(share, seed), seed, latency, 10 * SECOND, 40 * SECOND);
                    assertThat(noisy.sentPerSecond()).as("%s of 429s at random, %d ms, seed %d", share, latency / MS, seed)
                            .isGreaterThan(0.9 * clean.sentPerSecond());
                }
            }
        }
    }

    /** 64 sent at once: 20 accepted within 10 ms, then 44 answered 429. */
    private static void congestedBurst(Throttle throttle) {
        List<Throttle.Ticket> burst = acquire(throttle, 64, 0);
        burst.subList(0, 20).forEach(ticket -> throttle.release(ticket, DELIVERED, 10 * MS));
        burst.subList(20, 64).forEach(ticket -> throttle.release(ticket, THROTTLED, 20 * MS));
    }

    private static List<Throttle.Ticket> acquire(Throttle throttle, int count, long now) {
        List<Throttle.Ticket> tickets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tickets.add(throttle.tryAcquire(now).orElseThrow());
        }
        return tickets;
    }

    private static ThrottleSimulation.Result simulate(LongFunction<ThrottleSimulation.Destination> destination, int seed, long latency,
                                                      long measureFrom, long end) {
        return ThrottleSimulation.run(new Throttle(64, 0, 0), destination.apply(0), latency, measureFrom, end, new Random(seed));
    }

    private static LongFunction<ThrottleSimulation.Destination> tokenBucket(LongFunction<Double> rate) {
        return ThrottleSimulation.tokenBucket(0.1, rate);
    }

    private static LongFunction<ThrottleSimulation.Destination> flaky(double share, int seed) {
        return ThrottleSimulation.flaky(share, new Random(1_000 + seed));
    }
}

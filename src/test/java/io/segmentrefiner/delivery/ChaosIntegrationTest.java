package io.segmentrefiner.delivery;

import io.segmentrefiner.harness.ChaosScenario;
import io.segmentrefiner.harness.RealInfrastructure;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole pipeline under every fault at once ({@link ChaosScenario}): two instances, one killed, the broker killed,
 * the registry hung while the other restarts; Refiner failing first attempts and rate-limiting. Nothing is lost,
 * nothing dead-lettered, every contact's requests are accepted in order, and duplicates stay within what the kills
 * had in flight or delivered since a commit.
 */
class ChaosIntegrationTest {

    private static final int EVENTS = 4_000;

    @Test
    void nothingIsLostOrDeadLetteredUnderKillsABrokerOutageAndAHungRegistry() throws Exception {
        ChaosScenario.Result result = ChaosScenario.run(EVENTS, 200, 300, RealInfrastructure.workDir("chaos"), System.out);

        assertThat(result.lost()).as("events that never reached Refiner").isEmpty();
        assertThat(result.deadLettered()).as("dead letters: no fault here is the event's").isZero();
        assertThat(result.outOfOrder()).as("contacts whose requests were accepted out of order").isEmpty();
        assertThat(result.firstAttemptsFailed()).as("the stand-in failed first attempts").isGreaterThan(EVENTS / 5);
        assertThat(result.throttled()).as("and rate-limited").isPositive();
        // Each kill re-sends at most what was in flight (64 an instance) and what was read ahead and delivered since
        // the last commit (1,024 an instance at most); the broker's restart can cost one such hand-over.
        assertThat(result.duplicates()).as("duplicate deliveries").isLessThanOrEqualTo(3 * (64 + 1_024));
    }
}

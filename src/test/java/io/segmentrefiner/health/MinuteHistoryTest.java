package io.segmentrefiner.health;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Counters' totals, sampled every few seconds, become their increase per minute over the last hour. */
class MinuteHistoryTest {

    private static final Instant START = Instant.parse("2026-12-05T10:00:00Z");
    private final MinuteHistory history = new MinuteHistory(60);

    @Test
    void eachSampleAddsWhatItsCountersGainedToTheMinuteItWasTakenIn() {
        history.record(START, Map.of("a", 0.0));
        history.record(START.plusSeconds(5), Map.of("a", 3.0));
        history.record(START.plusSeconds(55), Map.of("a", 10.0, "b", 2.0));
        history.record(START.plusSeconds(65), Map.of("a", 12.0, "b", 2.0));

        MinuteHistory.Window window = history.window(START.plusSeconds(70));

        assertThat(window.minutes()).hasSize(60).endsWith(Instant.parse("2026-12-05T10:01:00Z"))
                .startsWith(Instant.parse("2026-12-05T09:02:00Z"));
        assertThat(window.series().get("a")[58]).isEqualTo(10);
        assertThat(window.series().get("a")[59]).isEqualTo(2);
        assertThat(window.series().get("b")[58]).as("a counter first seen mid-way counts from zero").isEqualTo(2);
        assertThat(window.series().get("b")[59]).isZero();
    }

    @Test
    void aCounterThatStartedAgainCountsFromZero() {
        history.record(START, Map.of("a", 100.0));
        history.record(START.plusSeconds(5), Map.of("a", 4.0));

        assertThat(history.window(START.plusSeconds(5)).series().get("a")[59]).isEqualTo(104);
    }

    @Test
    void minutesOlderThanTheWindowAreForgotten() {
        history.record(START, Map.of("a", 5.0));
        history.record(START.plusSeconds(61 * 60), Map.of("a", 6.0));

        MinuteHistory.Window window = history.window(START.plusSeconds(61 * 60));

        assertThat(window.series().get("a")).containsOnly(0L, 1L).satisfies(counts -> assertThat(counts[59]).isEqualTo(1));
        assertThat(java.util.Arrays.stream(window.series().get("a")).sum()).as("the first minute left the window").isEqualTo(1);
    }
}

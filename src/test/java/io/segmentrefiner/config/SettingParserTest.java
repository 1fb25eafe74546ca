package io.segmentrefiner.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingParserTest {

    @Test
    void renamesAreCommaSeparatedFromToPairs() {
        assertThat(SettingParser.renames().parse("k", "a:b,c:d")).isEqualTo(Map.of("a", "b", "c", "d"));
    }

    @Test
    void renamesTrimSpacesAroundKeys() {
        assertThat(SettingParser.renames().parse("k", " plan : tier , address:home ")).isEqualTo(Map.of("plan", "tier", "address", "home"));
    }

    @Test
    void emptyTextMeansNoRenames() {
        assertThat(SettingParser.renames().parse("k", "")).isEmpty();
        assertThat(SettingParser.renames().parse("k", "   ")).isEmpty();
        assertThat(SettingParser.renames().parse("k", null)).isEmpty();
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"a", "a:", ":b", " : ", "a:b:c", "plan:tier,oops", "plan:tier,:b"})
    void malformedRenamesAreRejected(String text) {
        assertThatThrownBy(() -> SettingParser.renames().parse("mapping.user.attributes", text))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Setting 'mapping.user.attributes': '")
                .hasMessageEndingWith("' is not a rename of the form from:to (expected from:to,from:to)");
    }

    @Test
    void aPortToListenOnIsOneTo65535OrZeroForAnyFreeOne() {
        assertThat(SettingParser.tcpPort().parse("p", "9092")).isEqualTo(9092);
        assertThat(SettingParser.tcpPortOrAnyFree().parse("p", "0")).isZero();
        assertThat(SettingParser.tcpPortOrAnyFree().parse("p", "65535")).isEqualTo(65535);
        assertThatThrownBy(() -> SettingParser.tcpPort().parse("embedded.broker.port", "0"))
                .hasMessage("Setting 'embedded.broker.port': must be a TCP port, 1 to 65535");
        assertThatThrownBy(() -> SettingParser.tcpPortOrAnyFree().parse("http.port", "65536"))
                .hasMessage("Setting 'http.port': must be a TCP port, 0 (any free one) to 65535");
        assertThatThrownBy(() -> SettingParser.tcpPortOrAnyFree().parse("ingest.port", "-1"))
                .hasMessage("Setting 'ingest.port': must be a TCP port, 0 (any free one) to 65535");
        assertThatThrownBy(() -> SettingParser.tcpPort().parse("embedded.broker.port", "ninety"))
                .hasMessage("Setting 'embedded.broker.port': 'ninety' is not a whole number");
    }

    @Test
    void durationsAreShortOrIso() {
        assertThat(SettingParser.duration().parse("d", " 250ms ")).isEqualTo(Duration.ofMillis(250));
        assertThat(SettingParser.duration().parse("d", "PT4H")).isEqualTo(Duration.ofHours(4));
        assertThat(SettingParser.duration().parse("d", "1d")).isEqualTo(Duration.ofDays(1));
        assertThatThrownBy(() -> SettingParser.duration().parse("delivery.request.timeout", "soon"))
                .hasMessage("Setting 'delivery.request.timeout': 'soon' is not a duration (such as 250ms, 30s, 10m, 4h, 1d or PT4H)");
    }

    @Test
    void oneOfTwoWordsInAnyCase() {
        assertThat(SettingParser.either("pageview", "named").parse("m", " Named ")).isEqualTo("named");
        assertThatThrownBy(() -> SettingParser.either("pageview", "named").parse("mapping.page.event", "sometimes"))
                .hasMessage("Setting 'mapping.page.event': 'sometimes' is neither pageview nor named (expected pageview or named)");
    }

    @Test
    void aMissingValueNamesItsEnvironmentVariable() {
        assertThatThrownBy(() -> SettingParser.atLeast(1).parse("topics.partitions", " "))
                .hasMessage("Setting 'topics.partitions': required, and not set (in the --config file or as TOPICS_PARTITIONS)");
        assertThatThrownBy(() -> SettingParser.text().parse("input.topic", null))
                .hasMessage("Setting 'input.topic': required, and not set (in the --config file or as INPUT_TOPIC)");
    }

    @Test
    void durationsReadTheSameForSettingsAndFlags() {
        assertThat(Durations.parse("30m")).contains(Duration.ofMinutes(30));
        assertThat(Durations.parse("P2D")).contains(Duration.ofDays(2));
        assertThat(Durations.parse("2026-11-28T10:00:00Z")).isEmpty();
        assertThat(Durations.parse("PT")).isEqualTo(Optional.empty());
        assertThat(Durations.parse("99999999999999999999s")).as("more digits than a long holds").isEmpty();
        assertThat(Durations.parse("9999999999999999d")).as("more days than a Duration holds").isEmpty();
    }

    @Test
    void deduplicationsWindowIsADurationOrZeroForOff() {
        assertThat(SettingParser.durationOrOff().parse("dedup.window", " 0 ")).isZero();
        assertThat(SettingParser.durationOrOff().parse("dedup.window", "12h")).isEqualTo(Duration.ofHours(12));
        assertThatThrownBy(() -> SettingParser.durationOrOff().parse("dedup.window", "99999999999999999999s"))
                .hasMessage("Setting 'dedup.window': '99999999999999999999s' is not a duration (such as 250ms, 30s, 10m, 4h, 1d or PT4H)");
    }
}

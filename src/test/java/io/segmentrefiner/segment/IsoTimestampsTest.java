package io.segmentrefiner.segment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class IsoTimestampsTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "2026-12-05T11:50:00Z", "2026-12-05T11:50:00.123Z", "2026-12-05T11:50:00.1Z", "2026-12-05T11:50:00.123456789Z",
            "2026-12-05T11:50:00.123+01:00", "2026-12-05T11:50:00-05:30", "2024-02-29T23:59:59.999-18:00", "0000-01-01T00:00:00+18:00",
            "9999-12-31T23:59:59.999999999Z", "2026-12-05T11:50:00+00:00", "2026-12-05T11:50:00-00:00",
            // Not ISO, or not a date: the same refusal as OffsetDateTime.parse
            "2026-12-05T11:50:00.1234567890Z", "2026-12-05T11:50:00.Z", "2025-02-29T00:00:00Z", "2026-12-05T24:00:00Z",
            "2026-12-05T23:59:60Z", "2026-13-05T11:50:00Z", "2026-12-32T11:50:00Z", "2026-12-05T11:60:00Z",
            "2026-12-05T11:50:00+18:01", "2026-12-05T11:50:00+19:00", "2026-12-05T11:50:00+01:60", "2026-12-05T11:50:00",
            "2026-12-05 11:50:00Z", "2026-12-05T11:50:00ZZ", "2026-12-05T11:50:00+0100", "2026-12-05T11:50:00+01", "2026-12-05",
            "", "yesterday", "2026-1２-05T11:50:00Z", "２026-12-05T11:50:00Z",
            // Other shapes the formatter reads, which the common shape leaves to it
            "2026-12-05t11:50:00z", "2026-12-05T11:50Z", "+12026-12-05T11:50:00Z", "2026-12-05T11:50:00+01:00:30", "-0001-12-05T11:50:00Z"})
    void readsWhatOffsetDateTimeReadsAndRefusesWhatItRefuses(String text) {
        assertThat(IsoTimestamps.parse(text)).isEqualTo(byTheFormatter(text));
    }

    @Test
    void agreesWithTheFormatterOnManyRandomTimestamps() {
        Random random = new Random(20261205);
        for (int i = 0; i < 50_000; i++) {
            String text = String.format("%04d-%02d-%02dT%02d:%02d:%02d%s%s", random.nextInt(10_000), random.nextInt(14),
                    random.nextInt(33), random.nextInt(26), random.nextInt(62), random.nextInt(62),
                    random.nextInt(3) == 0 ? "" : "." + "123456789012".substring(0, 1 + random.nextInt(11)),
                    switch (random.nextInt(3)) {
                        case 0 -> "Z";
                        case 1 -> String.format("%s%02d:%02d", random.nextBoolean() ? "+" : "-", random.nextInt(20), random.nextInt(62));
                        default -> "";
                    });
            assertThat(IsoTimestamps.parse(text)).as(text).isEqualTo(byTheFormatter(text));
        }
    }

    private static Optional<Instant> byTheFormatter(String text) {
        try {
            return Optional.of(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }
}

package io.segmentrefiner.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How settings and flags write a duration: {@code 250ms}, {@code 30s}, {@code 10m}, {@code 4h}, {@code 1d}, or ISO-8601 ({@code PT4H}). */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    /** The duration the text writes, or empty when it writes none; leading and trailing blanks are ignored. */
    public static Optional<Duration> parse(String text) {
        String trimmed = text.trim();
        try {
            if (trimmed.toUpperCase(Locale.ROOT).startsWith("P")) {
                return Optional.of(Duration.parse(trimmed));
            }
            Matcher matcher = SHORT.matcher(trimmed);
            if (matcher.matches()) {
                long amount = Long.parseLong(matcher.group(1));
                return Optional.of(switch (matcher.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    default -> Duration.ofDays(amount);
                });
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            // written like a duration, but none that fits (more digits than a long holds): the same as no duration
        }
        return Optional.empty();
    }
}

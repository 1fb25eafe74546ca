package io.segmentrefiner.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a setting's text into its value. A wrong text is a {@link ConfigException} that names the setting and says
 * what is expected; the parsers below are every kind of value this project's settings take.
 */
@FunctionalInterface
public interface SettingParser<T> {

    /**
     * @param text the setting's text as given, null when it has none
     * @throws ConfigException naming {@code key} when the text is missing or wrong
     */
    T parse(String key, String text);

    /** Any text but a blank one. */
    static SettingParser<String> text() {
        return SettingParser::required;
    }

    /** The text as given, blank or missing too: Kafka checks its own settings. */
    static SettingParser<String> asGiven() {
        return (key, text) -> text;
    }

    static SettingParser<Path> path() {
        return (key, text) -> Path.of(required(key, text));
    }

    /** A whole number of {@code least} or more. */
    static SettingParser<Integer> atLeast(int least) {
        return (key, text) -> {
            int number = wholeNumber(key, text);
            if (number < least) {
                throw new ConfigException(key, "must be at least " + least);
            }
            return number;
        };
    }

    /** {@code -1} for the broker's {@code default.replication.factor} (empty), else a factor of 1 or more. */
    static SettingParser<Optional<Short>> replicationFactor() {
        return (key, text) -> {
            int factor = wholeNumber(key, text);
            if (factor == -1) {
                return Optional.empty();
            }
            if (factor < 1 || factor > Short.MAX_VALUE) {
                throw new ConfigException(key, "must be -1 (the broker's default) or at least 1");
            }
            return Optional.of((short) factor);
        };
    }

    /** A TCP port to listen on, 1 to 65535. */
    static SettingParser<Integer> tcpPort() {
        return (key, text) -> port(key, text, 1);
    }

    /** A TCP port to listen on, or 0 for any free one. */
    static SettingParser<Integer> tcpPortOrAnyFree() {
        return (key, text) -> port(key, text, 0);
    }

    private static int port(String key, String text, int lowest) {
        int port = wholeNumber(key, text);
        if (port < lowest || port > 65535) {
            throw new ConfigException(key, "must be a TCP port, " + (lowest == 0 ? "0 (any free one)" : lowest) + " to 65535");
        }
        return port;
    }

    static SettingParser<Boolean> trueOrFalse() {
        return (key, text) -> {
            String value = required(key, text).trim();
            if (!value.equals("true") && !value.equals("false")) {
                throw new ConfigException(key, "'" + value + "' is neither true nor false");
            }
            return value.equals("true");
        };
    }

    /** One of two words, in any case; the value is the word in lower case. */
    static SettingParser<String> either(String first, String second) {
        return (key, text) -> {
            String word = required(key, text).trim().toLowerCase(Locale.ROOT);
            if (!word.equals(first) && !word.equals(second)) {
                throw new ConfigException(key, "'" + text + "' is neither " + first + " nor " + second
                        + " (expected " + first + " or " + second + ")");
            }
            return word;
        };
    }

    /** Requests per second, 0 for no limit. */
    static SettingParser<Double> rate() {
        return (key, text) -> {
            double rate;
            try {
                rate = Double.parseDouble(required(key, text));
            } catch (NumberFormatException e) {
                throw new ConfigException(key, "'" + text + "' is not a number of requests per second");
            }
            if (rate < 0) {
                throw new ConfigException(key, "must be 0 (no limit) or more");
            }
            return rate;
        };
    }

    static SettingParser<String> httpUrl() {
        return (key, text) -> {
            String url = required(key, text);
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new ConfigException(key, "'" + url + "' is not an http:// or https:// URL");
            }
            return url;
        };
    }

    /** A duration as {@link Durations} reads it. */
    static SettingParser<Duration> duration() {
        return (key, text) -> {
            String trimmed = required(key, text).trim();
            return Durations.parse(trimmed).orElseThrow(() -> new ConfigException(key,
                    "'" + trimmed + "' is not a duration (such as 250ms, 30s, 10m, 4h, 1d or PT4H)"));
        };
    }

    /** A duration, where {@code 0} (or any zero duration) turns off what it bounds. */
    static SettingParser<Duration> durationOrOff() {
        return (key, text) -> text != null && text.trim().equals("0") ? Duration.ZERO : duration().parse(key, text);
    }

    /** Renames written {@code from:to,from:to} (for example {@code address:userAddress,plan:tier}); blank means none. */
    static SettingParser<Map<String, String>> renames() {
        return (key, text) -> {
            Map<String, String> renames = new LinkedHashMap<>();
            if (text == null || text.isBlank()) {
                return renames;
            }
            for (String pair : text.split(",")) {
                if (pair.isBlank()) {
                    continue;
                }
                String[] parts = pair.split(":", -1);
                if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                    throw new ConfigException(key, "'" + pair.trim() + "' is not a rename of the form from:to (expected from:to,from:to)");
                }
                renames.put(parts[0].trim(), parts[1].trim());
            }
            return Collections.unmodifiableMap(renames);
        };
    }

    /** Comma-separated write keys, at least one. */
    static SettingParser<Set<String>> writeKeys() {
        return (key, text) -> {
            Set<String> keys = new LinkedHashSet<>();
            for (String writeKey : required(key, text).split(",")) {
                if (!writeKey.isBlank()) {
                    keys.add(writeKey.trim());
                }
            }
            if (keys.isEmpty()) {
                throw new ConfigException(key, "names no write key (comma-separated, such as wk_web,wk_ios)");
            }
            return Collections.unmodifiableSet(keys);
        };
    }

    private static int wholeNumber(String key, String text) {
        try {
            return Integer.parseInt(required(key, text));
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "'" + text + "' is not a whole number");
        }
    }

    private static String required(String key, String text) {
        if (text == null || text.isBlank()) {
            throw new ConfigException(key, "required, and not set (in the --config file or as " + AppConfig.environmentVariable(key) + ")");
        }
        return text;
    }
}

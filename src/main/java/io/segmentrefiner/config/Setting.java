package io.segmentrefiner.config;

import java.util.Optional;

/**
 * One setting, declared once: its key, its default, how its text is read, whether it is a secret, and what it means.
 * The declarations in {@link AppConfig} drive loading, the checks, {@link AppConfig#redacted()} and the README's table.
 *
 * @param defaultValue      the value when neither the file nor the environment gives one; a setting with a default is
 *                          checked when the settings load, one without when a command reads it
 * @param kafka             a Kafka client or Streams setting with a default of this project's, passed on to Kafka
 * @param documentedDefault what the README's default column says, when the default itself does not say it
 * @param meaning           the README's meaning column
 */
public record Setting<T>(String key, Optional<String> defaultValue, SettingParser<T> parser, boolean secret, boolean kafka,
                         Optional<String> documentedDefault, String meaning) {

    /** A setting with a default. */
    public static <T> Setting<T> of(String key, String defaultValue, SettingParser<T> parser, String meaning) {
        return new Setting<>(key, Optional.of(defaultValue), parser, false, false, Optional.empty(), meaning);
    }

    /** A setting without a default: read, and required, only by the commands that need it. */
    public static <T> Setting<T> optional(String key, SettingParser<T> parser, String meaning) {
        return new Setting<>(key, Optional.empty(), parser, false, false, Optional.empty(), meaning);
    }

    /** The same setting, its value hidden wherever the settings are shown. */
    public Setting<T> asSecret() {
        return new Setting<>(key, defaultValue, parser, true, kafka, documentedDefault, meaning);
    }

    /** The same setting, a Kafka one: it passes on to Kafka's clients and Streams by its own name. */
    public Setting<T> passedToKafka() {
        return new Setting<>(key, defaultValue, parser, secret, true, documentedDefault, meaning);
    }

    /** The same setting, with the README's default column saying {@code text}. */
    public Setting<T> documentedDefault(String text) {
        return new Setting<>(key, defaultValue, parser, secret, kafka, Optional.of(text), meaning);
    }

    /** The README's default column: {@code none} without a default, {@code empty} for an empty one, else the value. */
    public String defaultColumn() {
        return documentedDefault.orElseGet(() -> defaultValue.map(value -> value.isEmpty() ? "empty" : "`" + value + "`").orElse("none"));
    }

    /** The row of the README's table, {@code | setting | default | meaning |}. */
    public String tableRow() {
        return "| `" + key + "` | " + defaultColumn() + " | " + meaning + " |";
    }
}

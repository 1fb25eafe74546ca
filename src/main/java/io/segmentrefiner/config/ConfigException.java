package io.segmentrefiner.config;

/** A setting that is missing or wrong. The message names the setting and says what is expected; it never holds a secret value. */
public class ConfigException extends RuntimeException {

    public ConfigException(String key, String problem) {
        super("Setting '" + key + "': " + problem);
    }

    public ConfigException(Setting<?> setting, String problem) {
        this(setting.key(), problem);
    }

    public ConfigException(String message) {
        super(message);
    }
}

package io.segmentrefiner.benchmark;

import java.util.HashMap;
import java.util.Map;

/** The settings a benchmark's {@code -Dbenchmark.settings=key=value,key=value} adds, to try a trade-off. */
final class ExtraSettings {

    private ExtraSettings() {
    }

    /** The settings in argument {@code index}, none when it is absent or blank; a value may hold {@code =}. */
    static Map<String, String> from(String[] args, int index) {
        Map<String, String> settings = new HashMap<>();
        if (args.length <= index || args[index].isBlank()) {
            return settings;
        }
        for (String setting : args[index].split(",")) {
            int equals = setting.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("'" + setting + "' is not a setting of the form key=value");
            }
            settings.put(setting.substring(0, equals).trim(), setting.substring(equals + 1).trim());
        }
        return settings;
    }
}

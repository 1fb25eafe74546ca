package io.segmentrefiner.refiner;

import java.util.LinkedHashMap;
import java.util.Map;

/** Renames of top-level trait keys, written {@code from:to,from:to} (for example {@code address:userAddress,plan:tier}). */
public record AttributeRenames(Map<String, String> renames) {

    public static final AttributeRenames NONE = new AttributeRenames(Map.of());

    public AttributeRenames {
        renames = Map.copyOf(renames);
    }

    /** Parses {@code from:to,from:to}; blank means no renames. */
    public static AttributeRenames parse(String text) {
        Map<String, String> renames = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return NONE;
        }
        for (String pair : text.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            String[] parts = pair.split(":", -1);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IllegalArgumentException("'" + pair.trim() + "' is not a rename of the form from:to");
            }
            renames.put(parts[0].trim(), parts[1].trim());
        }
        return new AttributeRenames(renames);
    }

    public String rename(String key) {
        return renames.getOrDefault(key, key);
    }
}

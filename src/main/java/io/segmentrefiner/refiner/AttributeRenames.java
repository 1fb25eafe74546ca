package io.segmentrefiner.refiner;

import java.util.Map;

/** Renames of top-level trait keys, from the key a trait has to the key Refiner gets ({@code mapping.user.attributes}, {@code mapping.account.attributes}). */
public record AttributeRenames(Map<String, String> renames) {

    public static final AttributeRenames NONE = new AttributeRenames(Map.of());

    public AttributeRenames {
        renames = Map.copyOf(renames);
    }

    public String rename(String key) {
        return renames.getOrDefault(key, key);
    }
}

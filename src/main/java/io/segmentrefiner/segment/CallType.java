package io.segmentrefiner.segment;

import java.util.Locale;
import java.util.Optional;

/**
 * The Segment Spec call types, and the two calls of user deletion: {@code delete} (what privacy tooling and
 * Segment's deletion regulations send) and {@code unsuppress}. Types compare case-insensitively, as Segment's own
 * pipeline does.
 */
public enum CallType {
    IDENTIFY, GROUP, TRACK, PAGE, SCREEN, ALIAS, DELETE, UNSUPPRESS;

    public static Optional<CallType> of(String type) {
        try {
            return Optional.of(valueOf(type.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException unknown) {
            return Optional.empty();
        }
    }

    /** The name as it appears in Segment JSON: {@code identify}, {@code track}, ... */
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package io.segmentrefiner.refiner;

import java.util.Locale;

/** How a page call becomes a Refiner event: always {@code pageview}, or named after the page. */
public enum PageEventNaming {
    PAGEVIEW, NAMED;

    public static PageEventNaming parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is neither pageview nor named");
        }
    }
}

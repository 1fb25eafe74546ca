package io.segmentrefiner.health;

import java.util.Optional;

/** One running part of the application (translation, delivery), as health and readiness see it. */
public interface HealthPart {

    /** How {@code /health} and {@code /ready} name it: {@code translation}, {@code delivery}. */
    String name();

    /** Its state in one word, such as {@code RUNNING} or {@code WAITING_FOR_REGISTRY}. */
    String state();

    /** Why it has stopped and the process must be restarted; empty while it is live. */
    Optional<String> failure();

    /** Why it does not do its job now (it may recover by itself); empty while it does. */
    Optional<String> notReady();
}

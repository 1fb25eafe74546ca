package io.segmentrefiner.topology;

/**
 * The topics of the pipeline: raw Segment events in, Refiner requests out, requests waiting to be retried, dead
 * letters aside, and the suppression list of deleted users.
 */
public record TopicNames(String input, String requests, String retries, String deadLetters, String suppressions) {

    /** The topics of the default settings ({@code input.topic} and so on in {@code AppConfig}; {@code StageSettingsTest} keeps them equal). */
    public static final TopicNames DEFAULTS =
            new TopicNames("segment.events", "refiner.requests", "refiner.requests.retry", "refiner.dlq", "refiner.suppressions");
}

package io.segmentrefiner.topology;

/** The topics of the pipeline: raw Segment events in, Refiner requests out, dead letters aside. */
public record TopicNames(String input, String requests, String deadLetters) {

    public static final TopicNames DEFAULTS = new TopicNames("segment.events", "refiner.requests", "refiner.dlq");
}

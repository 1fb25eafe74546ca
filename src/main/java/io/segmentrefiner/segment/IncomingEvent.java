package io.segmentrefiner.segment;

/**
 * One event read from an input record: either a JSON object to check and map, or something that could not be
 * read as one. Both keep the bytes that a dead letter would carry.
 */
public sealed interface IncomingEvent permits SegmentEvent, UnreadableEvent {

    /** The bytes of this event alone: the record value, or for one event of a batch envelope that event as JSON. */
    byte[] source();
}

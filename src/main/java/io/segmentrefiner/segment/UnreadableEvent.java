package io.segmentrefiner.segment;

/** A record value, or an element of a batch envelope, that is not a JSON object. */
public record UnreadableEvent(byte[] source, String problem) implements IncomingEvent {
}

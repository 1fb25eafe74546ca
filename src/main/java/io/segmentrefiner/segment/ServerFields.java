package io.segmentrefiner.segment;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.Supplier;

/** The fields Segment's servers fill in on an event, in Segment's own forms; shared by {@code produce} and ingest. */
public final class ServerFields {

    /** Segment's timestamps: UTC, always milliseconds ({@code Instant.toString()} drops a zero fraction and shows nanoseconds). */
    public static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private ServerFields() {
    }

    /** Whether the event has a {@code messageId}: a non-blank string or a number, as {@link SegmentEvent#messageId()} reads it. */
    public static boolean hasMessageId(ObjectNode event) {
        return SegmentEvent.text(event.get("messageId")).isPresent();
    }

    /** Gives an event without a {@code messageId} a new one. */
    public static void fillInMessageId(ObjectNode event, Supplier<String> messageIds) {
        if (!hasMessageId(event)) {
            event.put("messageId", messageIds.get());
        }
    }

    public static void setReceivedAt(ObjectNode event, Instant receivedAt) {
        event.put("receivedAt", ISO_MILLIS.format(receivedAt));
    }
}

package io.segmentrefiner.segment;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the value of one input record into the events it holds: one event, or every event of a Segment batch
 * envelope ({@code {"batch": [...], "context": ..., "integrations": ...}}) in order.
 * <p>
 * JSON is UTF-8 (RFC 8259): bytes that are not well-formed UTF-8 make the whole record unreadable, before Jackson,
 * which would decode some of them (overlong forms, encoded surrogates) as characters. So does a NUL in the first two
 * bytes, on which Jackson would take the record for UTF-16 or UTF-32 and read it, although the same text with one
 * non-ASCII character would fail the UTF-8 check.
 */
public final class SegmentMessageReader {

    private final ObjectMapper json;
    // Text after the first JSON value makes the record something other than one JSON object.
    private final ObjectReader strictReader;

    public SegmentMessageReader(ObjectMapper json) {
        this.json = json;
        this.strictReader = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    public List<IncomingEvent> read(byte[] value) {
        if (value != null) {
            int malformed = Utf8.firstMalformedByte(value);
            if (malformed >= 0) {
                return List.of(new UnreadableEvent(value, "not UTF-8: a malformed byte sequence at byte " + malformed));
            }
            int nul = leadingNul(value);
            if (nul >= 0) {
                return List.of(new UnreadableEvent(value, "not JSON: a NUL byte at byte " + nul + " (JSON is UTF-8, not UTF-16 or UTF-32)"));
            }
        }
        JsonNode root;
        try {
            root = value == null ? null : strictReader.readTree(value);
        } catch (JacksonException e) {
            return List.of(new UnreadableEvent(value, "not JSON: " + e.getOriginalMessage()));
        } catch (java.io.IOException e) {
            return List.of(new UnreadableEvent(value, "not JSON: " + e.getMessage()));
        }
        if (!(root instanceof ObjectNode object)) {
            return List.of(new UnreadableEvent(value, root == null || root.isMissingNode()
                    ? "the record has no value" : "a JSON " + root.getNodeType().name().toLowerCase() + ", not an object"));
        }
        if (BatchEnvelope.is(object)) {
            return unfold(object);
        }
        return List.of(new SegmentEvent(object, value));
    }

    /** Where a NUL is in the first two bytes, the ones Jackson looks at to tell UTF-16 and UTF-32; -1 when none is. */
    private static int leadingNul(byte[] value) {
        for (int i = 0; i < Math.min(2, value.length); i++) {
            if (value[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private List<IncomingEvent> unfold(ObjectNode envelope) {
        List<IncomingEvent> events = new ArrayList<>();
        for (JsonNode element : envelope.get("batch")) {
            if (!(element instanceof ObjectNode event)) {
                events.add(new UnreadableEvent(SegmentEvent.bytes(json, element), "a batch element that is a JSON "
                        + element.getNodeType().name().toLowerCase() + ", not an object"));
                continue;
            }
            ObjectNode standalone = BatchEnvelope.standalone(event, envelope);
            events.add(new SegmentEvent(standalone, SegmentEvent.bytes(json, standalone)));
        }
        return events;
    }

}

package io.segmentrefiner.segment;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** One Segment Spec event (identify, track, page, ...) as the JSON object Segment's libraries send. */
public record SegmentEvent(ObjectNode json, byte[] source) implements IncomingEvent {

    // The paths asked for are literals of the mapping and the filter: a small, fixed set, each compiled once.
    private static final Map<String, JsonPointer> POINTERS = new ConcurrentHashMap<>();
    private static final Instant EARLIEST_MILLISECOND = Instant.ofEpochMilli(Long.MIN_VALUE);
    private static final Instant LATEST_MILLISECOND = Instant.ofEpochMilli(Long.MAX_VALUE);

    /** The JSON a tree of Segment JSON is sent as: the bytes of a tree that Jackson read or built moments ago. */
    public static byte[] bytes(ObjectMapper json, JsonNode tree) {
        try {
            return json.writeValueAsBytes(tree);
        } catch (JacksonException e) {
            throw new IllegalStateException("a JSON tree that Jackson just read cannot be written back", e);
        }
    }

    public Optional<String> messageId() {
        return text(json.get("messageId"));
    }

    /** The raw {@code type} field, when it is a non-blank string. */
    public Optional<String> type() {
        return text(json.get("type"));
    }

    /** The {@code receivedAt} when it is an ISO-8601 date-time with an offset, within what epoch milliseconds hold. */
    public Optional<Instant> receivedAt() {
        return text(json.get("receivedAt")).flatMap(SegmentEvent::instant);
    }

    /** The value at a dotted path such as {@code context.traits.email}, or a missing node. */
    public JsonNode at(String dottedPath) {
        return json.at(POINTERS.computeIfAbsent(dottedPath, path -> JsonPointer.compile("/" + path.replace('.', '/'))));
    }

    /** The object at a dotted path, or empty when the path holds anything else. */
    public Optional<ObjectNode> object(String dottedPath) {
        JsonNode node = at(dottedPath);
        return node instanceof ObjectNode object ? Optional.of(object) : Optional.empty();
    }

    /**
     * The non-blank text at a dotted path; numbers become their decimal text, except one too large for a double,
     * which is passed over like a boolean.
     */
    public Optional<String> text(String dottedPath) {
        return text(at(dottedPath));
    }

    /** A field as text: a non-blank string, or a finite number written out. */
    static Optional<String> text(JsonNode node) {
        if (node == null) {
            return Optional.empty();
        }
        if (node.isTextual() && !node.asText().isBlank()) {
            return Optional.of(node.asText());
        }
        if (node.isIntegralNumber()) {
            return Optional.of(node.bigIntegerValue().toString());
        }
        // A number too large for a double, such as 1e999, reads as infinity: it has no decimal text.
        if (node.isNumber() && Double.isFinite(node.doubleValue())) {
            return Optional.of(node.decimalValue().toPlainString());
        }
        return Optional.empty();
    }

    private static Optional<Instant> instant(String text) {
        return IsoTimestamps.parse(text).filter(SegmentEvent::inMillisecondRange);
    }

    /** Whether the request record (Avro {@code timestamp-millis}, a long) can hold it: not so for {@code +999999999-12-31T23:59:59Z}. */
    private static boolean inMillisecondRange(Instant instant) {
        return !instant.isBefore(EARLIEST_MILLISECOND) && !instant.isAfter(LATEST_MILLISECOND);
    }
}

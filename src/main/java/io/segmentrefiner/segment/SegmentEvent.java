package io.segmentrefiner.segment;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** One Segment Spec event (identify, track, page, ...) as the JSON object Segment's libraries send. */
public record SegmentEvent(ObjectNode json, byte[] source) implements IncomingEvent {

    // The paths asked for are literals of the mapping and the filter: a small, fixed set, each compiled once.
    private static final Map<String, JsonPointer> POINTERS = new ConcurrentHashMap<>();

    public Optional<String> messageId() {
        return text(json.get("messageId"));
    }

    /** The raw {@code type} field, when it is a non-blank string. */
    public Optional<String> type() {
        return text(json.get("type"));
    }

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

    /** The non-blank text at a dotted path; numbers become their decimal text. */
    public Optional<String> text(String dottedPath) {
        return text(at(dottedPath));
    }

    private static Optional<String> text(JsonNode node) {
        if (node == null) {
            return Optional.empty();
        }
        if (node.isTextual() && !node.asText().isBlank()) {
            return Optional.of(node.asText());
        }
        if (node.isNumber()) {
            return Optional.of(node.isIntegralNumber() ? node.bigIntegerValue().toString() : node.decimalValue().toPlainString());
        }
        return Optional.empty();
    }

    private static Optional<Instant> instant(String text) {
        try {
            return Optional.of(java.time.OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException notIso) {
            return Optional.empty();
        }
    }
}

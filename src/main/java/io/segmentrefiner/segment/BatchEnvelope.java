package io.segmentrefiner.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * A Segment batch envelope, {@code {"batch": [...], "context": ..., "integrations": ...}}, and how one of its events
 * becomes a standalone event, the same whichever way it came in (a record of the input topic, or a call to the HTTP
 * Tracking API). Segment's context and integrations "apply to all calls in the request": the envelope's
 * {@code context} fills in what the event's own lacks, recursively where both hold an object, and replaces an
 * absent or {@code null} one (one that is not an object is left as it is); its {@code integrations} apply only to
 * an event that has none or {@code null}, not merged.
 */
public final class BatchEnvelope {

    private BatchEnvelope() {
    }

    /** An object whose {@code batch} is an array and which has no {@code type}. */
    public static boolean is(ObjectNode object) {
        return object.get("batch") != null && object.get("batch").isArray() && object.get("type") == null;
    }

    /** The event as it stands alone: a copy, with the envelope's {@code context} and {@code integrations} folded in. */
    public static ObjectNode standalone(ObjectNode event, ObjectNode envelope) {
        ObjectNode standalone = event.deepCopy();
        if (envelope.get("context") instanceof ObjectNode envelopeContext) {
            JsonNode own = standalone.get("context");
            if (own instanceof ObjectNode ownContext) {
                fillIn(ownContext, envelopeContext);
            } else if (own == null || own.isNull()) {
                standalone.set("context", envelopeContext.deepCopy());
            }
        }
        JsonNode integrations = envelope.get("integrations");
        if (integrations != null && !integrations.isNull()
                && (standalone.get("integrations") == null || standalone.get("integrations").isNull())) {
            standalone.set("integrations", integrations.deepCopy());
        }
        return standalone;
    }

    /** Copies into {@code target} what it lacks from {@code defaults}, recursing into objects both have. */
    private static void fillIn(ObjectNode target, ObjectNode defaults) {
        for (Map.Entry<String, JsonNode> field : defaults.properties()) {
            JsonNode own = target.get(field.getKey());
            if (own == null) {
                target.set(field.getKey(), field.getValue().deepCopy());
            } else if (own instanceof ObjectNode ownObject && field.getValue() instanceof ObjectNode defaultObject) {
                fillIn(ownObject, defaultObject);
            }
        }
    }
}

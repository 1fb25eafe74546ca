package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.Set;

/**
 * Shapes Segment traits into Refiner attributes: Refiner stores flat scalar values, so nested objects become
 * {@code parent_child} keys, arrays their compact JSON text, and nulls are dropped.
 */
final class Attributes {

    private Attributes() {
    }

    /** The traits without the {@code excluded} keys, top-level keys renamed, then flattened. */
    static ObjectNode shape(ObjectNode traits, Set<String> excluded, AttributeRenames renames) {
        ObjectNode shaped = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> trait : traits.properties()) {
            if (!excluded.contains(trait.getKey())) {
                flattenInto(shaped, renames.rename(trait.getKey()), trait.getValue());
            }
        }
        return shaped;
    }

    private static void flattenInto(ObjectNode target, String key, JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return;
        }
        if (value.isObject()) {
            for (Map.Entry<String, JsonNode> child : value.properties()) {
                flattenInto(target, key + "_" + child.getKey(), child.getValue());
            }
        } else if (value.isArray()) {
            target.put(key, value.toString());
        } else {
            target.set(key, value);
        }
    }
}

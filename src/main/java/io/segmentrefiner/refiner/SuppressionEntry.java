package io.segmentrefiner.refiner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One user on the suppression list: who (user id, email, each when known), since when, and the messageId of the
 * delete call that put them there. Written as a JSON object, the value of the suppression topic's record.
 */
public record SuppressionEntry(Optional<String> userId, Optional<String> email, Instant since, Optional<String> messageId) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static SuppressionEntry of(Contact contact, Instant since, Optional<String> messageId) {
        return new SuppressionEntry(contact.id(), contact.email(), since, messageId);
    }

    /** The keys the user is listed under: the user id and the email, each when known. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>(2);
        userId.ifPresent(keys::add);
        email.ifPresent(keys::add);
        return keys;
    }

    public String toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        userId.ifPresent(value -> json.put("userId", value));
        email.ifPresent(value -> json.put("email", value));
        json.put("since", since.toString());
        messageId.ifPresent(value -> json.put("messageId", value));
        return json.toString();
    }

    /**
     * An entry as read back from the topic; any value that is not such a JSON object (written by hand, say) is an
     * entry with nothing but its key, since a record on the list suppresses whatever its value.
     */
    public static SuppressionEntry parse(String key, String value) {
        try {
            JsonNode json = JSON.readTree(value);
            if (json != null && json.isObject()) {
                Optional<String> userId = text(json, "userId");
                Optional<String> email = text(json, "email");
                Instant since = text(json, "since").map(SuppressionEntry::instant).orElse(Instant.EPOCH);
                return new SuppressionEntry(userId.isEmpty() && email.isEmpty() ? Optional.of(key) : userId, email, since,
                        text(json, "messageId"));
            }
        } catch (JsonProcessingException notJson) {
            // falls through to an entry of the key alone
        }
        return new SuppressionEntry(Optional.of(key), Optional.empty(), Instant.EPOCH, Optional.empty());
    }

    private static Optional<String> text(JsonNode json, String field) {
        JsonNode value = json.path(field);
        return value.isTextual() && !value.asText().isBlank() ? Optional.of(value.asText()) : Optional.empty();
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (java.time.format.DateTimeParseException unreadable) {
            return Instant.EPOCH;
        }
    }
}

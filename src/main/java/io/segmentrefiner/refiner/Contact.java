package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentEvent;

import java.util.List;
import java.util.Optional;

/**
 * Who an event is about, as Refiner knows people: by user id, by email, or both. {@code anonymousId} is never
 * used, since Refiner has no anonymous contacts.
 */
public record Contact(Optional<String> id, Optional<String> email) {

    private static final List<String> USER_ID_PATHS =
            List.of("userId", "traits.userId", "traits.id", "context.traits.userId", "context.traits.id");
    // A group call's traits describe the group, not the user.
    private static final List<String> GROUP_USER_ID_PATHS = List.of("userId", "context.traits.userId", "context.traits.id");

    /** The contact of an event, or empty when neither a user id nor an email can be found. */
    public static Optional<Contact> of(SegmentEvent event, CallType type) {
        Optional<String> id = firstText(event, type == CallType.GROUP ? GROUP_USER_ID_PATHS : USER_ID_PATHS);
        Optional<String> email = firstText(event, emailPaths(type));
        return id.isEmpty() && email.isEmpty() ? Optional.empty() : Optional.of(new Contact(id, email));
    }

    /**
     * Who an event is about, as translation finds the contact: the user id, else the email. An unknown or missing
     * type gets track's lookup, the widest one. What producers key the input topic by, so that one person's events
     * stay on one partition.
     */
    public static Optional<String> personOf(SegmentEvent event) {
        CallType type = event.type().flatMap(CallType::of).orElse(CallType.TRACK);
        return of(event, type).flatMap(contact -> contact.id().or(contact::email));
    }

    private static List<String> emailPaths(CallType type) {
        return switch (type) {
            case GROUP -> List.of("context.traits.email");
            case TRACK, PAGE -> List.of("traits.email", "context.traits.email", "properties.email");
            default -> List.of("traits.email", "context.traits.email");
        };
    }

    private static Optional<String> firstText(SegmentEvent event, List<String> paths) {
        return paths.stream().map(event::text).flatMap(Optional::stream).findFirst();
    }

    /** The {@code MISSING_IDENTITY} rejection of an event that has no contact. */
    static Outcome.Rejected missing(SegmentEvent event, CallType type) {
        return Outcome.Rejected.of(event, Reason.MISSING_IDENTITY, "The " + type.specName() + " call has neither a user id ("
                + String.join(", ", type == CallType.GROUP ? GROUP_USER_ID_PATHS : USER_ID_PATHS)
                + ") nor an email (" + String.join(", ", emailPaths(type)) + "); anonymousId is not used.");
    }

    /**
     * A request body: {@code id} and {@code email} (each only when known), then the attributes. Attributes named
     * {@code id} or {@code email} (by a rename, say) are dropped: who the contact is comes from the lookup alone.
     */
    public ObjectNode body(ObjectNode attributes) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        id.ifPresent(value -> body.put("id", value));
        email.ifPresent(value -> body.put("email", value));
        attributes.properties().forEach(attribute -> {
            if (!IDENTITY_FIELDS.contains(attribute.getKey())) {
                body.set(attribute.getKey(), attribute.getValue());
            }
        });
        return body;
    }

    private static final java.util.Set<String> IDENTITY_FIELDS = java.util.Set.of("id", "email");
}

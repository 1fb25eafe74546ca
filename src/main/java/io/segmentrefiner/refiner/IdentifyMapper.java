package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentEvent;

import java.util.Optional;
import java.util.Set;

/** identify: {@code POST /v1/identify-user} with the user's traits as attributes. */
public final class IdentifyMapper implements EventMapper {

    private static final Set<String> IDENTITY_KEYS = Set.of("id", "userId", "email");

    private final AttributeRenames renames;

    public IdentifyMapper(AttributeRenames renames) {
        this.renames = renames;
    }

    @Override
    public Outcome map(SegmentEvent event) {
        Optional<Contact> contact = Contact.of(event, CallType.IDENTIFY);
        if (contact.isEmpty()) {
            return Contact.missing(event, CallType.IDENTIFY);
        }
        ObjectNode traits = JsonNodeFactory.instance.objectNode();
        event.object("context.traits").ifPresent(traits::setAll);
        event.object("traits").ifPresent(traits::setAll);
        ObjectNode body = contact.get().body(Attributes.shape(traits, IDENTITY_KEYS, renames));
        return new Translated(event, CallType.IDENTIFY, RefinerRequest.post(RefinerRequest.IDENTIFY_USER, body));
    }
}

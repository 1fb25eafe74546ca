package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentEvent;

import java.util.Optional;

/**
 * delete: {@code DELETE /v1/contact} for the contact, by {@code id} when the call has a user id, else by
 * {@code email}, as Refiner's API deletes a contact. The topology also puts the contact on the suppression list.
 */
public final class DeleteMapper implements EventMapper {

    @Override
    public Outcome map(SegmentEvent event) {
        Optional<Contact> contact = Contact.of(event, CallType.DELETE);
        if (contact.isEmpty()) {
            return Contact.missing(event, CallType.DELETE);
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        contact.get().id().ifPresentOrElse(id -> body.put("id", id), () -> body.put("email", contact.get().email().orElseThrow()));
        return new Translated(event, CallType.DELETE, new RefinerRequest(RefinerRequest.DELETE, RefinerRequest.CONTACT, body));
    }
}

package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentEvent;

import java.util.Optional;

/** track: {@code POST /v1/track-event} with the event name. Properties are dropped: Refiner does not store them. */
public final class TrackMapper implements EventMapper {

    @Override
    public Outcome map(SegmentEvent event) {
        Optional<Contact> contact = Contact.of(event, CallType.TRACK);
        if (contact.isEmpty()) {
            return Contact.missing(event, CallType.TRACK);
        }
        Optional<String> name = event.text("event");
        if (name.isEmpty()) {
            return Outcome.Rejected.of(event, Reason.MISSING_EVENT, "The track call has no event name.");
        }
        ObjectNode body = contact.get().body(JsonNodeFactory.instance.objectNode().put("event", name.get()));
        return new Translated(event, CallType.TRACK, RefinerRequest.post(RefinerRequest.TRACK_EVENT, body));
    }
}

package io.segmentrefiner.refiner;

import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentEvent;

import java.util.Optional;

/** unsuppress: the contact comes off the suppression list. Refiner has nothing to undo, so nothing is sent. */
public final class UnsuppressMapper implements EventMapper {

    @Override
    public Outcome map(SegmentEvent event) {
        Optional<Contact> contact = Contact.of(event, CallType.UNSUPPRESS);
        return contact.isEmpty() ? Contact.missing(event, CallType.UNSUPPRESS) : new Outcome.Unsuppressed(event, contact.get());
    }
}

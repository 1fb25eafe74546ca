package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentEvent;

import java.util.Optional;

/** page: {@code POST /v1/track-event}, as {@code pageview} or, with {@code mapping.page.event=named}, named after the page. */
public final class PageMapper implements EventMapper {

    public static final String PAGEVIEW = "pageview";

    private final PageEventNaming naming;

    public PageMapper(PageEventNaming naming) {
        this.naming = naming;
    }

    @Override
    public Outcome map(SegmentEvent event) {
        Optional<Contact> contact = Contact.of(event, CallType.PAGE);
        if (contact.isEmpty()) {
            return Contact.missing(event, CallType.PAGE);
        }
        ObjectNode body = contact.get().body(JsonNodeFactory.instance.objectNode().put("event", eventName(event)));
        return new Translated(event, CallType.PAGE, RefinerRequest.post(RefinerRequest.TRACK_EVENT, body));
    }

    private String eventName(SegmentEvent event) {
        if (naming == PageEventNaming.PAGEVIEW) {
            return PAGEVIEW;
        }
        Optional<String> name = event.text("name").or(() -> event.text("properties.name"));
        Optional<String> category = event.text("category").or(() -> event.text("properties.category"));
        if (name.isPresent() && category.isPresent()) {
            return "Viewed " + category.get() + " " + name.get() + " Page";
        }
        return name.or(() -> category).map(page -> "Viewed " + page + " Page").orElse(PAGEVIEW);
    }
}

package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentEvent;

import java.util.Optional;
import java.util.Set;

/** group: {@code POST /v1/identify-user} with the user's account, whose attributes are the group's traits. */
public final class GroupMapper implements EventMapper {

    private static final Set<String> GROUP_ID_KEYS = Set.of("groupId");

    private final AttributeRenames renames;

    public GroupMapper(AttributeRenames renames) {
        this.renames = renames;
    }

    @Override
    public Outcome map(SegmentEvent event) {
        Optional<Contact> contact = Contact.of(event, CallType.GROUP);
        if (contact.isEmpty()) {
            return Contact.missing(event, CallType.GROUP);
        }
        Optional<String> groupId = event.text("groupId").or(() -> event.text("traits.groupId"));
        if (groupId.isEmpty()) {
            return Outcome.Rejected.of(event, Reason.MISSING_GROUP_ID, "The group call has no groupId (nor traits.groupId).");
        }
        ObjectNode account = JsonNodeFactory.instance.objectNode().put("id", groupId.get());
        event.object("traits").map(traits -> Attributes.shape(traits, GROUP_ID_KEYS, renames)).ifPresent(traits ->
                traits.properties().forEach(trait -> {
                    if (!trait.getKey().equals("id")) {
                        account.set(trait.getKey(), trait.getValue());
                    }
                }));
        ObjectNode body = contact.get().body(JsonNodeFactory.instance.objectNode());
        body.set("account", account);
        return new Translated(event, CallType.GROUP, RefinerRequest.post(RefinerRequest.IDENTIFY_USER, body));
    }
}

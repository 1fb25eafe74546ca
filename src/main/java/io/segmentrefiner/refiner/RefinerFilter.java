package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.JsonNode;
import io.segmentrefiner.refiner.Outcome.Accepted;
import io.segmentrefiner.refiner.Outcome.Rejected;
import io.segmentrefiner.refiner.Outcome.Skipped;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.IncomingEvent;
import io.segmentrefiner.segment.SegmentEvent;
import io.segmentrefiner.segment.UnreadableEvent;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The checks that come before mapping, in order; the first that applies decides: the value is a JSON object,
 * Refiner is not turned off by {@code integrations}, there is a type, and it is one Refiner uses.
 */
public final class RefinerFilter {

    /** The destination's name in a Segment event's {@code integrations} object. */
    public static final String INTEGRATION_NAME = "Refiner";

    public static final Set<CallType> SUPPORTED_TYPES = EnumSet.of(CallType.IDENTIFY, CallType.GROUP, CallType.TRACK, CallType.PAGE,
            CallType.DELETE, CallType.UNSUPPRESS);

    private RefinerFilter() {
    }

    public static Outcome check(IncomingEvent incoming) {
        if (incoming instanceof UnreadableEvent unreadable) {
            return new Rejected(Optional.empty(), unreadable.source(), Reason.INVALID_JSON,
                    "The record value is " + unreadable.problem() + ".");
        }
        SegmentEvent event = (SegmentEvent) incoming;
        if (refinerTurnedOff(event.at("integrations"))) {
            return new Skipped(event.messageId(), Reason.DISABLED);
        }
        Optional<String> type = event.type();
        if (type.isEmpty()) {
            return new Rejected(event.messageId(), event.source(), Reason.MISSING_TYPE, "The event has no type.");
        }
        Optional<CallType> callType = CallType.of(type.get()).filter(SUPPORTED_TYPES::contains);
        if (callType.isEmpty()) {
            return new Skipped(event.messageId(), Reason.UNSUPPORTED_TYPE);
        }
        return new Accepted(event, callType.get());
    }

    /**
     * {@code "Refiner": false} turns it off; so does {@code "All": false} unless Refiner is named with {@code true}
     * or settings of its own (Engage sends {@code {"All": false, "Refiner": true}}).
     */
    private static boolean refinerTurnedOff(JsonNode integrations) {
        if (!integrations.isObject()) {
            return false;
        }
        JsonNode refiner = integrations.path(INTEGRATION_NAME);
        if (refiner.isBoolean() && !refiner.booleanValue()) {
            return true;
        }
        JsonNode all = integrations.path("All");
        boolean allOff = all.isBoolean() && !all.booleanValue();
        boolean refinerOn = (refiner.isBoolean() && refiner.booleanValue()) || refiner.isObject();
        return allOff && !refinerOn;
    }
}

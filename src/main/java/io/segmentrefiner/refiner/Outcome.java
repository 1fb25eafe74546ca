package io.segmentrefiner.refiner;

import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentEvent;

import java.util.Optional;

/**
 * What became of one event. Errors are values here, not exceptions: the topology splits them into their own
 * branches, and the {@code translate} command prints them.
 */
public sealed interface Outcome {

    Optional<String> messageId();

    /** Passed the checks that come before mapping; waiting for the mapper of its call type. */
    record Accepted(SegmentEvent event, CallType type) implements Outcome {
        @Override
        public Optional<String> messageId() {
            return event.messageId();
        }
    }

    /** Mapped to a Refiner request. */
    record Translated(SegmentEvent event, CallType type, RefinerRequest request) implements Outcome {
        @Override
        public Optional<String> messageId() {
            return event.messageId();
        }
    }

    /** An unsuppress call: the contact comes off the suppression list; nothing is sent to Refiner. */
    record Unsuppressed(SegmentEvent event, Contact contact) implements Outcome {
        @Override
        public Optional<String> messageId() {
            return event.messageId();
        }
    }

    /** Not for Refiner; counted, not dead-lettered. */
    record Skipped(Optional<String> messageId, Reason reason) implements Outcome {
    }

    /** Cannot be translated; dead-lettered with the bytes of the event alone. */
    record Rejected(Optional<String> messageId, byte[] source, Reason reason, String message) implements Outcome {

        public static Rejected of(SegmentEvent event, Reason reason, String message) {
            return new Rejected(event.messageId(), event.source(), reason, message);
        }
    }
}

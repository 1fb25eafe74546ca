package io.segmentrefiner.health;

import io.segmentrefiner.delivery.DeliveryFailures;
import io.segmentrefiner.refiner.Reason;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** What each failure means and what to do about it, in a sentence each, for the status page. */
final class FailureGuide {

    record Entry(String meaning, String action) {
    }

    private static final Map<Reason, Entry> REASONS = new EnumMap<>(Reason.class);
    private static final Map<DeliveryFailures.Answer, Entry> ANSWERS = new EnumMap<>(DeliveryFailures.Answer.class);

    static {
        REASONS.put(Reason.INVALID_JSON, new Entry("The event is not a JSON object, or not UTF-8.",
                "Fix the producer; the dead letter keeps the bytes as they came."));
        REASONS.put(Reason.DISABLED, new Entry("The event's integrations turn Refiner off.",
                "Nothing to do: the source asked for it."));
        REASONS.put(Reason.MISSING_TYPE, new Entry("The event has no type.",
                "Fix the producer, then replay with --stage translate --reason MISSING_TYPE."));
        REASONS.put(Reason.UNSUPPORTED_TYPE, new Entry("A call type Refiner has no use for (screen, alias or unknown).",
                "Nothing to do."));
        REASONS.put(Reason.MISSING_IDENTITY, new Entry("Neither a userId nor an email: Refiner has no anonymous contacts.",
                "Send identify calls with a userId; replay once the producer sends one."));
        REASONS.put(Reason.MISSING_EVENT, new Entry("A track call without an event name.",
                "Fix the producer, then replay with --reason MISSING_EVENT."));
        REASONS.put(Reason.MISSING_GROUP_ID, new Entry("A group call without a groupId.",
                "Fix the producer, then replay with --reason MISSING_GROUP_ID."));
        REASONS.put(Reason.DUPLICATE, new Entry("A copy of a messageId translated within dedup.window (SDKs retry).",
                "Nothing to do."));
        REASONS.put(Reason.SUPPRESSED, new Entry("The user was deleted and is on the suppression list.",
                "Nothing to do; segment-refiner suppressions list shows the list."));
        REASONS.put(Reason.PROCESSING_ERROR, new Entry("A processor threw: a bug in translation.",
                "Report it with the dead letter; replay once fixed."));
        REASONS.put(Reason.SERIALIZATION_ERROR, new Entry("The request could not be written as Avro.",
                "Check the schema registry's subject and compatibility; replay once fixed."));
        REASONS.put(Reason.RECORD_TOO_LARGE, new Entry("The broker refused the record as too large.",
                "Raise max.message.bytes of the topic and max.request.size, or shrink the event; then replay."));
        REASONS.put(Reason.UNREADABLE_REQUEST, new Entry("Delivery could not read a request record or its retry headers.",
                "Check what else writes to the requests or retry topic; replay once fixed."));
        REASONS.put(Reason.RETRIES_EXHAUSTED, new Entry("Refiner did not accept the request within delivery.retry.max.duration.",
                "Check Refiner's status and the answers below; replay with --stage deliver --reason RETRIES_EXHAUSTED."));
        REASONS.put(Reason.HTTP_4XX, new Entry("Refiner refused the request with a 4xx that a retry does not change.",
                "Read Refiner's answer in the sample; fix the mapping or the data, then replay with --status 4xx."));
        REASONS.put(Reason.HOLD_LIMIT, new Entry("The request waited for a retry while delivery.hold.max later requests of its contact waited.",
                "Check why the contact's request keeps failing; replay with --reason HOLD_LIMIT."));
        ANSWERS.put(DeliveryFailures.Answer.UNAUTHORIZED, new Entry("Refiner refuses the API key (401 or 403): delivery is paused and probes.",
                "Set refiner.api.key (REFINER_API_KEY) to a valid key and restart; nothing is lost meanwhile."));
        ANSWERS.put(DeliveryFailures.Answer.THROTTLED, new Entry("Refiner asks to slow down (429): delivery sends at the rate it allows.",
                "Nothing to do unless it lasts: ask Refiner for a higher limit, or lower delivery.max.in.flight."));
        ANSWERS.put(DeliveryFailures.Answer.SERVER_ERROR, new Entry("Refiner failed (5xx or 408): the request is tried again with backoff.",
                "Check Refiner's status; requests are dead-lettered after delivery.retry.max.duration."));
        ANSWERS.put(DeliveryFailures.Answer.NO_RESPONSE, new Entry("No answer: a timeout, a refused or dropped connection; tried again with backoff.",
                "Check refiner.api.url and the network (proxy, DNS, firewall)."));
    }

    private FailureGuide() {
    }

    /** The entry of a reason code or an answer kind. */
    static Optional<Entry> of(String code) {
        return Reason.parse(code).map(REASONS::get)
                .or(() -> answer(code).map(ANSWERS::get));
    }

    private static Optional<DeliveryFailures.Answer> answer(String code) {
        for (DeliveryFailures.Answer answer : DeliveryFailures.Answer.values()) {
            if (answer.name().equals(code)) {
                return Optional.of(answer);
            }
        }
        return Optional.empty();
    }
}

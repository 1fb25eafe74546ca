package io.segmentrefiner.deadletter;

import io.segmentrefiner.refiner.Reason;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.time.Instant;
import java.util.Optional;

/**
 * Why a record was dead-lettered and where it came from. It travels as headers beside the record's own, so that
 * the value and key stay exactly as they were and a replay can send the record back to its origin.
 *
 * @param reason  a reason that dead-letters, such as {@code MISSING_IDENTITY}; its stage is the dead letter's
 * @param message a human sentence; never holds credentials
 */
public record DeadLetter(Reason reason, String message, Origin origin, Optional<Attempts> attempts) {

    public DeadLetter {
        if (!reason.deadLettered()) {
            throw new IllegalArgumentException(reason + " is a skip, never a dead letter");
        }
    }

    /** A dead letter of translation, which makes no attempts. */
    public DeadLetter(Reason reason, String message, Origin origin) {
        this(reason, message, origin, Optional.empty());
    }

    public Reason.Stage stage() {
        return reason.stage();
    }

    /** The topic, partition and offset of the record that was dead-lettered. */
    public record Origin(String topic, int partition, long offset) {
    }

    /**
     * What delivery tried before giving up.
     *
     * @param lastStatus   the last HTTP status, 0 when no response came
     * @param responseBody the start of the last response body
     */
    public record Attempts(int lastStatus, int count, Instant first, Instant last, String responseBody) {
    }

    /** The record's own headers, copied, followed by this dead letter's. The originals are left untouched. */
    public Headers appendTo(Headers original) {
        Headers headers = new RecordHeaders(original == null ? new org.apache.kafka.common.header.Header[0] : original.toArray());
        TextHeaders.write(headers, DeadLetterHeaders.STAGE, reason.stage().code());
        TextHeaders.write(headers, DeadLetterHeaders.REASON, reason.name());
        TextHeaders.write(headers, DeadLetterHeaders.MESSAGE, message);
        TextHeaders.write(headers, DeadLetterHeaders.ORIGIN_TOPIC, origin.topic());
        TextHeaders.write(headers, DeadLetterHeaders.ORIGIN_PARTITION, Integer.toString(origin.partition()));
        TextHeaders.write(headers, DeadLetterHeaders.ORIGIN_OFFSET, Long.toString(origin.offset()));
        attempts.ifPresent(tried -> {
            TextHeaders.write(headers, DeadLetterHeaders.HTTP_STATUS, Integer.toString(tried.lastStatus()));
            TextHeaders.write(headers, DeadLetterHeaders.ATTEMPTS, Integer.toString(tried.count()));
            TextHeaders.write(headers, DeadLetterHeaders.FIRST_ATTEMPT, tried.first().toString());
            TextHeaders.write(headers, DeadLetterHeaders.LAST_ATTEMPT, tried.last().toString());
            TextHeaders.write(headers, DeadLetterHeaders.RESPONSE_BODY, tried.responseBody());
        });
        return headers;
    }

}

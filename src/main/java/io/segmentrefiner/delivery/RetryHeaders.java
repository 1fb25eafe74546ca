package io.segmentrefiner.delivery;

import io.segmentrefiner.deadletter.DeadLetter;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import static io.segmentrefiner.deadletter.DeadLetterHeaders.text;

/**
 * The headers of a request waiting on the retry topic: when it is due, what was tried, and where the request first
 * came from, so that a dead letter made after retries still names its origin on the requests topic.
 */
final class RetryHeaders {

    static final String PREFIX = "refiner.retry.";
    static final String DUE = PREFIX + "due";
    static final String ATTEMPTS = PREFIX + "attempts";
    static final String FIRST_ATTEMPT = PREFIX + "first.attempt";
    static final String LAST_STATUS = PREFIX + "last.status";
    static final String ORIGIN_TOPIC = PREFIX + "origin.topic";
    static final String ORIGIN_PARTITION = PREFIX + "origin.partition";
    static final String ORIGIN_OFFSET = PREFIX + "origin.offset";

    private RetryHeaders() {
    }

    /** What is known of a request's earlier attempts; none for a record read from the requests topic. */
    record History(int attempts, Optional<Instant> firstAttempt, DeadLetter.Origin origin) {
    }

    static History read(Headers headers, DeadLetter.Origin here) {
        Optional<String> topic = text(headers, ORIGIN_TOPIC);
        if (topic.isEmpty()) {
            return new History(0, Optional.empty(), here);
        }
        return new History(
                text(headers, ATTEMPTS).map(Integer::parseInt).orElse(0),
                text(headers, FIRST_ATTEMPT).map(Long::parseLong).map(Instant::ofEpochMilli),
                new DeadLetter.Origin(topic.get(), text(headers, ORIGIN_PARTITION).map(Integer::parseInt).orElse(-1),
                        text(headers, ORIGIN_OFFSET).map(Long::parseLong).orElse(-1L)));
    }

    /** When a record of the retry topic may be tried again; records without the header are due at once. */
    static Instant due(Headers headers) {
        return text(headers, DUE).map(Long::parseLong).map(Instant::ofEpochMilli).orElse(Instant.EPOCH);
    }

    /** The record's own headers without earlier retry headers, and the retry headers for the next attempt. */
    static Headers next(Headers original, Instant due, int attempts, Instant firstAttempt, int lastStatus, DeadLetter.Origin origin) {
        Headers headers = withoutRetryHeaders(original);
        put(headers, DUE, Long.toString(due.toEpochMilli()));
        put(headers, ATTEMPTS, Integer.toString(attempts));
        put(headers, FIRST_ATTEMPT, Long.toString(firstAttempt.toEpochMilli()));
        put(headers, LAST_STATUS, Integer.toString(lastStatus));
        put(headers, ORIGIN_TOPIC, origin.topic());
        put(headers, ORIGIN_PARTITION, Integer.toString(origin.partition()));
        put(headers, ORIGIN_OFFSET, Long.toString(origin.offset()));
        return headers;
    }

    /** The record's own headers without the retry headers: what a dead letter keeps. */
    static Headers withoutRetryHeaders(Headers original) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : original) {
            if (!header.key().startsWith(PREFIX)) {
                headers.add(header);
            }
        }
        return headers;
    }

    private static void put(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}

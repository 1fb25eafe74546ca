package io.segmentrefiner.deadletter;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The names of the headers a dead letter carries, all UTF-8 text. They are a contract: replay and scripts read them. */
public final class DeadLetterHeaders {

    public static final String PREFIX = "refiner.dlq.";
    public static final String STAGE = PREFIX + "stage";
    public static final String REASON = PREFIX + "reason";
    public static final String MESSAGE = PREFIX + "message";
    public static final String ORIGIN_TOPIC = PREFIX + "origin.topic";
    public static final String ORIGIN_PARTITION = PREFIX + "origin.partition";
    public static final String ORIGIN_OFFSET = PREFIX + "origin.offset";

    private DeadLetterHeaders() {
    }

    /** The last value of a header as text. */
    public static Optional<String> text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null
                ? Optional.empty()
                : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
    }
}

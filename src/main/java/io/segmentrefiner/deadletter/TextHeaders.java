package io.segmentrefiner.deadletter;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads and writes the headers this project puts on records (dead letters, replays, the retry topic's lines): every
 * value is UTF-8 text, and one name holds one value.
 */
public final class TextHeaders {

    private TextHeaders() {
    }

    /** The last value of a header as text; empty when the header is missing or has no value. */
    public static Optional<String> read(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null
                ? Optional.empty()
                : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
    }

    /** Sets a header to one text value, in place of any value it had. */
    public static Headers write(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        return headers;
    }
}

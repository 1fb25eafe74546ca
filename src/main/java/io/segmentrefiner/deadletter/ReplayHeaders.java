package io.segmentrefiner.deadletter;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.util.Optional;

/**
 * The headers of a replayed record: the record's own, without what dead-lettering added, and a count of replays.
 * The count travels with the record, so a replayed record that fails again brings it back to the dead-letter topic.
 */
public final class ReplayHeaders {

    /** How many times the record was replayed, UTF-8 decimal text. */
    public static final String COUNT = "refiner.replay.count";
    /** Kafka Streams' own dead-letter headers (KIP-1034): exception, message, stack trace, origin. */
    public static final String STREAMS_ERRORS_PREFIX = "__streams.errors.";

    private ReplayHeaders() {
    }

    /** Whether dead-lettering added the header: it says why the record failed, which is no longer true once replayed. */
    public static boolean isDeadLetterHeader(String name) {
        return name.startsWith(DeadLetterHeaders.PREFIX) || name.startsWith(STREAMS_ERRORS_PREFIX);
    }

    /**
     * How many times the record was replayed already: 0 without the header. A count that cannot be read is taken as
     * too many, since a record that cannot be counted could loop forever.
     */
    public static int replays(Headers headers) {
        Optional<String> count = TextHeaders.read(headers, COUNT);
        if (count.isEmpty()) {
            return 0;
        }
        try {
            int replays = Integer.parseInt(count.get().trim());
            return replays < 0 ? Integer.MAX_VALUE : replays;
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** The dead letter's headers in their order without the dead-letter ones, and the replay count one more. */
    public static Headers forReplay(Headers deadLetter) {
        int replays = replays(deadLetter);
        RecordHeaders headers = new RecordHeaders();
        for (Header header : deadLetter) {
            if (!isDeadLetterHeader(header.key()) && !header.key().equals(COUNT)) {
                headers.add(header);
            }
        }
        TextHeaders.write(headers, COUNT, Integer.toString(replays + 1));
        return headers;
    }
}

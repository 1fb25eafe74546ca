package io.segmentrefiner.delivery;

import io.segmentrefiner.deadletter.TextHeaders;
import io.segmentrefiner.deadletter.DeadLetter;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.time.Instant;
import java.util.Optional;



/**
 * The headers of the retry topic's records. The retry topic is the durable line of every contact that waits: a
 * {@code retry} record is a request to try again when it is due (the latest one for a request wins), a {@code held}
 * record a later request of the same contact waiting behind it, a {@code resolved} record says that a request of the
 * line is done (delivered or dead-lettered). Each names where the request first came from on the requests topic:
 * its offset there orders a contact's requests.
 *
 * <p>Each record also names its writer: the reader that owns the partition, which begins its ownership with an
 * {@code owner} record naming the consumer group's generation it was assigned the partition in. Only the owner's
 * records count, until an owner record of a later generation: one from a reader that lost the partition but still
 * had records on their way (a zombie, of an earlier generation) is ignored by whoever reads the partition next.
 */
final class RetryHeaders {

    static final String PREFIX = "refiner.retry.";
    static final String KIND = PREFIX + "kind";
    static final String DUE = PREFIX + "due";
    static final String ATTEMPTS = PREFIX + "attempts";
    static final String FIRST_ATTEMPT = PREFIX + "first.attempt";
    static final String LAST_STATUS = PREFIX + "last.status";
    static final String ORIGIN_TOPIC = PREFIX + "origin.topic";
    static final String ORIGIN_PARTITION = PREFIX + "origin.partition";
    static final String ORIGIN_OFFSET = PREFIX + "origin.offset";
    static final String WRITER = PREFIX + "writer";
    static final String GENERATION = PREFIX + "generation";

    /** What a record of the retry topic is. */
    enum Kind {
        RETRY, HELD, RESOLVED, OWNER;

        String header() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private RetryHeaders() {
    }

    /** What is known of a request's earlier attempts; none for a record read from the requests topic. */
    record History(int attempts, Optional<Instant> firstAttempt, DeadLetter.Origin origin) {

        static History none(DeadLetter.Origin origin) {
            return new History(0, Optional.empty(), origin);
        }

        History next(Instant attempt) {
            return new History(attempts + 1, Optional.of(firstAttempt.orElse(attempt)), origin);
        }
    }

    /**
     * A record of the retry topic, read. Records written before kinds existed are retries, by no writer.
     *
     * @param generation the consumer group's generation of an owner record; -1 for other records
     */
    record Entry(Kind kind, History history, Instant due, Optional<String> writer, long generation) {
    }

    /** The record's retry headers; empty when they cannot be read (not written by this service, or damaged). */
    static Optional<Entry> read(Headers headers, DeadLetter.Origin here) {
        try {
            Kind kind = TextHeaders.read(headers, KIND).map(value -> Kind.valueOf(value.toUpperCase(java.util.Locale.ROOT))).orElse(Kind.RETRY);
            Optional<String> topic = TextHeaders.read(headers, ORIGIN_TOPIC);
            DeadLetter.Origin origin = topic.isEmpty() ? here : new DeadLetter.Origin(topic.get(),
                    TextHeaders.read(headers, ORIGIN_PARTITION).map(Integer::parseInt).orElse(-1), TextHeaders.read(headers, ORIGIN_OFFSET).map(Long::parseLong).orElse(-1L));
            History history = new History(TextHeaders.read(headers, ATTEMPTS).map(Integer::parseInt).orElse(0),
                    TextHeaders.read(headers, FIRST_ATTEMPT).map(Long::parseLong).map(Instant::ofEpochMilli), origin);
            Instant due = TextHeaders.read(headers, DUE).map(Long::parseLong).map(Instant::ofEpochMilli).orElse(Instant.EPOCH);
            long generation = TextHeaders.read(headers, GENERATION).map(Long::parseLong).orElse(-1L);
            return Optional.of(new Entry(kind, history, due, TextHeaders.read(headers, WRITER), generation));
        } catch (IllegalArgumentException | java.time.DateTimeException unreadable) {
            return Optional.empty();
        }
    }

    /** The headers of a retry: the request's own headers, when it is due, what was tried, and its origin. */
    static Headers retry(Headers own, Instant due, History history, int lastStatus, String writer) {
        Headers headers = withKind(own, Kind.RETRY, history.origin(), writer);
        TextHeaders.write(headers, DUE, Long.toString(due.toEpochMilli()));
        TextHeaders.write(headers, ATTEMPTS, Integer.toString(history.attempts()));
        history.firstAttempt().ifPresent(first -> TextHeaders.write(headers, FIRST_ATTEMPT, Long.toString(first.toEpochMilli())));
        TextHeaders.write(headers, LAST_STATUS, Integer.toString(lastStatus));
        return headers;
    }

    /** The headers of a request held behind its contact's waiting one. */
    static Headers held(Headers own, DeadLetter.Origin origin, String writer) {
        return withKind(own, Kind.HELD, origin, writer);
    }

    /** The headers of the record that says a request of the line is done. */
    static Headers resolved(DeadLetter.Origin origin, String writer) {
        return withKind(new RecordHeaders(), Kind.RESOLVED, origin, writer);
    }

    /** The headers of the record with which a reader begins (and goes on with) its ownership of a partition. */
    static Headers owner(String writer, long generation) {
        Headers headers = new RecordHeaders();
        TextHeaders.write(headers, KIND, Kind.OWNER.header());
        TextHeaders.write(headers, WRITER, writer);
        TextHeaders.write(headers, GENERATION, Long.toString(generation));
        return headers;
    }

    private static Headers withKind(Headers own, Kind kind, DeadLetter.Origin origin, String writer) {
        Headers headers = withoutRetryHeaders(own);
        TextHeaders.write(headers, KIND, kind.header());
        TextHeaders.write(headers, WRITER, writer);
        TextHeaders.write(headers, ORIGIN_TOPIC, origin.topic());
        TextHeaders.write(headers, ORIGIN_PARTITION, Integer.toString(origin.partition()));
        TextHeaders.write(headers, ORIGIN_OFFSET, Long.toString(origin.offset()));
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

}

package io.segmentrefiner.delivery;

import io.segmentrefiner.deadletter.DeadLetter;
import io.segmentrefiner.deadletter.DeadLetterHeaders;
import io.segmentrefiner.deadletter.TextHeaders;
import io.segmentrefiner.refiner.Reason;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What each outcome is written as, for the {@link OutcomeWriter}: the records of a contact's line go to the retry
 * partition of the request's own pair, where that pair's next owner reads them; a dead letter goes to the dead-letter
 * topic with the request's own key, value and headers, and the headers that say why.
 */
final class OutcomeRecords {

    // Offsets named in a dead letter's header of the requests held behind it: enough to find them, short enough that
    // a line of delivery.hold.max requests does not make a header of kilobytes. The count is always complete.
    static final int HELD_OFFSETS_SHOWN = 100;

    private final String retryTopic;
    private final String deadLetterTopic;

    OutcomeRecords(String retryTopic, String deadLetterTopic) {
        this.retryTopic = retryTopic;
        this.deadLetterTopic = deadLetterTopic;
    }

    /** The mark of an ownership of the pair's retry partition: no key, no value, only its headers. */
    Write.Owner owner(int pair, long generation, Headers headers) {
        return new Write.Owner(pair, generation, new ProducerRecord<>(retryTopic, pair, (byte[]) null, (byte[]) null, headers));
    }

    /** The request, due again at {@code pending.due}, in its contact's line. */
    Write.Retry retry(Pending pending, int lastStatus, String writer) {
        return new Write.Retry(pending, line(pending, RetryHeaders.retry(pending.headers, pending.due, pending.history, lastStatus, writer),
                pending.value));
    }

    /** A later request of a waiting contact, in the line behind the one that waits. */
    Write.Held held(Pending pending, String writer) {
        return new Write.Held(pending, line(pending, RetryHeaders.held(pending.headers, pending.origin, writer), pending.value));
    }

    /** The end of the request's time in the line; without a value, since nothing is to be sent again. */
    Write.Resolved resolved(Pending pending, String writer) {
        return new Write.Resolved(pending, line(pending, RetryHeaders.resolved(pending.origin, writer), null));
    }

    /**
     * @param heldBehind the offsets of the contact's requests in the line behind it, named in its headers
     * @param ofContact  whether the contact's next requests wait for it: not for a record that is no request
     */
    Write.DeadLettered deadLettered(Pending pending, Reason reason, String message, Optional<DeadLetter.Attempts> attempts,
                                    List<Long> heldBehind, boolean ofContact) {
        DeadLetter deadLetter = new DeadLetter(reason, message, pending.history.origin(), attempts);
        Headers headers = deadLetter.appendTo(RetryHeaders.withoutRetryHeaders(pending.headers));
        if (!heldBehind.isEmpty()) {
            TextHeaders.write(headers, DeadLetterHeaders.HELD_BEHIND, Integer.toString(heldBehind.size()));
            TextHeaders.write(headers, DeadLetterHeaders.HELD_BEHIND_OFFSETS, heldBehind.stream().limit(HELD_OFFSETS_SHOWN)
                    .map(String::valueOf).collect(Collectors.joining(",")));
        }
        return new Write.DeadLettered(pending, reason, new ProducerRecord<>(deadLetterTopic, null, pending.key, pending.value, headers), ofContact);
    }

    /** Whether the write goes to the retry topic, where it counts as the pair's ownership writing. */
    boolean onRetryTopic(Write write) {
        return write.record().topic().equals(retryTopic);
    }

    private ProducerRecord<byte[], byte[]> line(Pending pending, Headers headers, byte[] value) {
        return new ProducerRecord<>(retryTopic, pending.pair, pending.key, value, headers);
    }
}

package io.segmentrefiner.delivery;

import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.deadletter.DeadLetter;
import org.apache.kafka.common.header.Headers;

import java.time.Instant;

/**
 * One request of one contact, in memory from the moment it is read until its outcome is durable. It is first held
 * only by its offset on the requests topic; once its contact waits for a retry it is in the contact's line, held by
 * its latest record on the retry topic.
 */
final class Pending {

    final int pair;
    final String contact;
    /** Its offset on the requests topic, which orders a contact's requests. */
    final long originOffset;
    final DeadLetter.Origin origin;
    final byte[] key;
    final byte[] value;
    /** The record's own headers, without those of the retry topic. */
    final Headers headers;
    final RefinerRequestRecord request;
    /** Whether this reader took its offset on the requests topic in, so that it is done there once durable elsewhere. */
    final boolean fromRequests;

    RetryHeaders.History history;
    /** When it may be tried again; at once for a request never tried. */
    Instant due = Instant.EPOCH;
    /** Whether it is in its contact's line. */
    boolean inLine;
    /** The offset of its latest acknowledged record on the retry topic; -1 while there is none. */
    long retryOffset = -1;
    /** Which ownership of its pair took it in: acknowledgements for an earlier one are not its. */
    long generation;

    Pending(int pair, String contact, DeadLetter.Origin origin, byte[] key, byte[] value, Headers headers,
            RefinerRequestRecord request, RetryHeaders.History history, boolean fromRequests) {
        this.pair = pair;
        this.contact = contact;
        this.originOffset = origin.offset();
        this.origin = origin;
        this.key = key;
        this.value = value;
        this.headers = headers;
        this.request = request;
        this.history = history;
        this.fromRequests = fromRequests;
    }

    @Override
    public String toString() {
        return "request " + origin.topic() + "-" + origin.partition() + "@" + originOffset + (inLine ? " (in line)" : "");
    }
}

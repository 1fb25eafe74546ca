package io.segmentrefiner.delivery;

import io.segmentrefiner.refiner.Reason;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A record that makes an outcome durable: a request's place on the retry topic (a retry, or held behind its
 * contact's waiting one), the end of its time in the line, its dead letter, or the mark of a reader's ownership of a
 * retry partition. The scheduler decides them in order; they reach the broker in that order, and each is
 * acknowledged back to the scheduler.
 */
sealed interface Write {

    /** The pair of partitions it belongs to. */
    int pair();

    /** Which ownership of the pair wrote it: one of an earlier ownership is not acted on. */
    long generation();

    ProducerRecord<byte[], byte[]> record();

    /** A write about one request. */
    sealed interface OfRequest extends Write {
        Pending pending();

        @Override
        default int pair() {
            return pending().pair;
        }

        @Override
        default long generation() {
            return pending().generation;
        }
    }

    /** The request, due again later, in its contact's line. */
    record Retry(Pending pending, ProducerRecord<byte[], byte[]> record) implements OfRequest {
    }

    /** A later request of a waiting contact, behind the one that waits. */
    record Held(Pending pending, ProducerRecord<byte[], byte[]> record) implements OfRequest {
    }

    /** The request of the line is done: delivered, or dead-lettered just before. */
    record Resolved(Pending pending, ProducerRecord<byte[], byte[]> record) implements OfRequest {
    }

    /**
     * @param ofContact whether it is one of its contact's requests, whose next ones wait for it; not for a record
     *                  that could not be read as a request
     */
    record DeadLettered(Pending pending, Reason reason, ProducerRecord<byte[], byte[]> record, boolean ofContact) implements OfRequest {
    }

    /** This reader owns the pair's retry partition from here on. */
    record Owner(int pair, long generation, ProducerRecord<byte[], byte[]> record) implements Write {
    }
}

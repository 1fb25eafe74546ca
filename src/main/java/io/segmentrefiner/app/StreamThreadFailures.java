package io.segmentrefiner.app;

import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * What translation does when a stream thread dies. A transaction the brokers aborted or fenced (the instance was
 * cut off from the cluster longer than {@code transaction.timeout.ms}, and its commit then meets
 * {@link InvalidTxnStateException}, KAFKA-19690, or a fenced or stale producer epoch) lost nothing: exactly-once
 * rolled its output back, so the thread is replaced and its successor reads again from the last commit. A few such
 * replacements in a row mean it is not passing, and so does anything else (a broker that refuses the application,
 * a bug): the client stops, visibly, for the orchestrator to restart it with backoff; exactly-once makes that safe.
 */
final class StreamThreadFailures implements StreamsUncaughtExceptionHandler {

    /** Replacements allowed within {@link #WINDOW}: one per fault, and room for a fault that comes back. */
    static final int MAX_REPLACEMENTS = 3;
    static final Duration WINDOW = Duration.ofMinutes(10);

    private static final Logger log = LoggerFactory.getLogger(StreamThreadFailures.class);

    private final Clock clock;
    private final Deque<Instant> replacements = new ArrayDeque<>();

    StreamThreadFailures(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
        Instant now = clock.instant();
        while (!replacements.isEmpty() && replacements.peekFirst().isBefore(now.minus(WINDOW))) {
            replacements.removeFirst();
        }
        Optional<Throwable> aborted = abortedTransaction(exception);
        if (aborted.isPresent() && replacements.size() < MAX_REPLACEMENTS) {
            replacements.addLast(now);
            log.warn("A stream thread's transaction was aborted by the brokers ({}); nothing it wrote counts: replacing the "
                    + "thread, which reads again from the last commit ({} of {} replacements in {})",
                    aborted.get(), replacements.size(), MAX_REPLACEMENTS, WINDOW);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        log.error("Kafka Streams stopped on an error it cannot handle: {}", exception.toString(), exception);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    private static Optional<Throwable> abortedTransaction(Throwable exception) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidTxnStateException || cause instanceof InvalidProducerEpochException
                    || cause instanceof ProducerFencedException) {
                return Optional.of(cause);
            }
        }
        return Optional.empty();
    }
}

package io.segmentrefiner.app;

import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What translation does when a stream thread dies. Data errors never get here (the handlers dead-letter them);
 * what does is the cluster's: a transaction the brokers aborted while the instance was cut off
 * ({@code InvalidTxnStateException}, KAFKA-19690), a commit the transaction coordinator failed while it moved
 * ({@code Unhandled error in EndTxnResponse}), a fenced producer. Under exactly-once a new thread loses nothing: its
 * producer's {@code initTransactions} fences the old one and settles the open transaction, and it reads again from
 * the last commit. So the thread is replaced, up to {@link #MAX_REPLACEMENTS} times in {@link #WINDOW}; failures that
 * keep coming (a broker that refuses the application, a bug) then stop the client, visibly, for the orchestrator to
 * restart it with backoff.
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
        if (replacements.size() < MAX_REPLACEMENTS) {
            replacements.addLast(now);
            log.warn("A stream thread stopped on {}; replacing it, to read again from the last commit ({} of {} replacements in {})",
                    rootCause(exception), replacements.size(), MAX_REPLACEMENTS, WINDOW, exception);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        log.error("Kafka Streams stopped: {} stream threads failed within {}, the last on {}", MAX_REPLACEMENTS + 1, WINDOW,
                rootCause(exception), exception);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    private static Throwable rootCause(Throwable exception) {
        Throwable cause = exception;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }
}

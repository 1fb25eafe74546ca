package io.segmentrefiner.app;

import io.segmentrefiner.harness.ManualClock;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class StreamThreadFailuresTest {

    private static final Instant T0 = Instant.parse("2026-12-02T00:00:00Z");

    private static StreamsException commitFailed(Exception cause) {
        return new StreamsException("Error encountered trying to commit a transaction [stream-thread [t-1]]", cause);
    }

    @Test
    void aThreadTheClusterStoppedIsReplacedAsTheTwoFailuresTheClusterTestMetShow() {
        StreamThreadFailures failures = new StreamThreadFailures(new ManualClock(T0));

        assertThat(failures.handle(commitFailed(new InvalidTxnStateException("The producer attempted a transactional operation in an invalid state."))))
                .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(failures.handle(commitFailed(new KafkaException("Unhandled error in EndTxnResponse: The server experienced an unexpected error"))))
                .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    }

    @Test
    void failuresThatKeepComingStopTheClientUntilTheWindowHasPassed() {
        ManualClock clock = new ManualClock(T0);
        StreamThreadFailures failures = new StreamThreadFailures(clock);
        for (int i = 0; i < StreamThreadFailures.MAX_REPLACEMENTS; i++) {
            assertThat(failures.handle(new IllegalStateException("a bug"))).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(failures.handle(new IllegalStateException("a bug"))).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);

        clock.set(T0.plus(StreamThreadFailures.WINDOW).plus(Duration.ofSeconds(1)));
        assertThat(failures.handle(commitFailed(new InvalidTxnStateException("aborted")))).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    }
}

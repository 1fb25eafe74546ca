package io.segmentrefiner.delivery;

import org.apache.kafka.clients.producer.Producer;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Writes the records that make outcomes durable, in the order they were asked for, from a thread of its own: a
 * producer's send can block (for metadata, or when its buffer is full), and whoever asks (the scheduler, under its
 * lock) must not. Each acknowledgement is reported with the record's offset, on the producer's I/O thread.
 */
final class OutcomeWriter implements AutoCloseable {

    // On close, how long the queued writes may take to be sent, and then the producer to have them acknowledged:
    // a broker that is there answers within a second or two; one that is not loses nothing by the wait ending, since
    // what was not acknowledged is read again by the next reader.
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final Producer<byte[], byte[]> producer;
    private final Predicate<Write> current;
    private final BiConsumer<Write, Long> written;
    private final Consumer<Exception> failed;
    private volatile boolean failedOnce;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(DaemonThreads.named("refiner-delivery-writer"));

    /**
     * @param current whether a write still belongs to a partition this reader owns: one that does not is dropped,
     *                since its partition's next owner decides anew
     * @param written told of each record the broker acknowledged, and its offset
     * @param failed  told when a record could not be written: its outcome is not durable
     */
    OutcomeWriter(Producer<byte[], byte[]> producer, Predicate<Write> current, BiConsumer<Write, Long> written, Consumer<Exception> failed) {
        this.producer = producer;
        this.current = current;
        this.written = written;
        this.failed = failed;
    }

    /**
     * Queues the write; never blocks. After one write failed nothing more is written or acknowledged: the outcomes
     * after it must not become durable, or count as such, without it (a line's end without its dead letter).
     */
    void write(Write write) {
        try {
            thread.execute(() -> {
                if (failedOnce || !current.test(write)) {
                    return;
                }
                try {
                    producer.send(write.record(), (metadata, error) -> {
                        if (error != null) {
                            failOnce(error);
                        } else if (!failedOnce) {
                            written.accept(write, metadata.offset());
                        }
                    });
                } catch (RuntimeException error) {
                    failOnce(error);
                }
            });
        } catch (RejectedExecutionException closed) {
            // after close: not written, so its request is read again by the next reader
        }
    }

    private void failOnce(Exception error) {
        if (!failedOnce) {
            failedOnce = true;
            failed.accept(error);
        }
    }

    /** Writes what was queued, waits for the acknowledgements (up to 10 s each), and closes the producer. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(CLOSE_TIMEOUT);
    }
}

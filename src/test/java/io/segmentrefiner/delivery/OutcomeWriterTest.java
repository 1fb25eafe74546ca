package io.segmentrefiner.delivery;

import io.segmentrefiner.harness.Await;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The writer of outcomes against Kafka's MockProducer, whose sends the test completes or fails one by one. */
class OutcomeWriterTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final List<Long> acknowledged = new CopyOnWriteArrayList<>();
    private final List<Exception> failures = new CopyOnWriteArrayList<>();
    private final OutcomeWriter writer = new OutcomeWriter(producer, write -> true, (write, offset) -> acknowledged.add(write.generation()),
            failures::add);

    @Test
    void writesInTheOrderAskedAndReportsEachAcknowledgement() {
        writer.write(owner(1));
        writer.write(owner(2));
        Await.until("both sent", WAIT, () -> producer.history().size() == 2);

        producer.completeNext();
        producer.completeNext();

        assertThat(producer.history()).extracting(ProducerRecord::partition).containsExactly(1, 2);
        assertThat(acknowledged).containsExactly(1L, 2L);
        writer.close();
    }

    @Test
    void afterAWriteFailsNothingMoreIsWrittenOrCountsAsWritten() {
        writer.write(owner(1));
        writer.write(owner(2));
        Await.until("both sent", WAIT, () -> producer.history().size() == 2);

        producer.errorNext(new TimeoutException("injected: the broker is away"));
        producer.completeNext(); // the one after it got through after all
        writer.write(owner(3));
        writer.close();

        assertThat(failures).as("reported once").hasSize(1);
        assertThat(acknowledged).as("a later outcome durable without the one before it would pass it").isEmpty();
        assertThat(producer.history()).as("nothing sent after the failure").hasSize(2);
    }

    @Test
    void aWriteAfterCloseIsDroppedNotThrown() {
        writer.close();

        writer.write(owner(1));

        assertThat(producer.history()).isEmpty();
        assertThat(failures).isEmpty();
    }

    private static Write owner(int pair) {
        return new Write.Owner(pair, pair, new ProducerRecord<>("refiner.requests.retry", pair, null, null));
    }
}

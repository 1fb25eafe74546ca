package io.segmentrefiner.delivery;

import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.deadletter.DeadLetter;
import io.segmentrefiner.refiner.Reason;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the poll loop read, told to the {@link ContactScheduler}: a request of the requests topic is offered; a
 * record of the retry topic, while its pair catches up, is what a line held (and ignored once the lines are known:
 * it is this reader's own, or counts for nobody). A record that cannot be read is dead-lettered as
 * {@code UNREADABLE_REQUEST}; one whose writer's schema the registry has not given yet waits, and is read again.
 * Poll thread only.
 */
final class RecordIntake {

    private final DeliverySettings settings;
    private final RequestDecoder decoder;
    private final ContactScheduler scheduler;

    RecordIntake(DeliverySettings settings, RequestDecoder decoder, ContactScheduler scheduler) {
        this.settings = settings;
        this.decoder = decoder;
        this.scheduler = scheduler;
    }

    /** Hands one record to the scheduler; the id of the schema it waits for when it cannot be read yet. */
    OptionalInt handle(TopicPartition partition, ConsumerRecord<byte[], byte[]> record) {
        int pair = partition.partition();
        DeadLetter.Origin here = new DeadLetter.Origin(record.topic(), record.partition(), record.offset());
        String contact = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        boolean fromRetries = partition.topic().equals(settings.retryTopic());
        RetryHeaders.Entry entry = null;
        if (fromRetries) {
            if (scheduler.linesKnown(pair)) {
                return OptionalInt.empty(); // this reader's own record, known already, or one that counts for nobody
            }
            Optional<RetryHeaders.Entry> read = RetryHeaders.read(record.headers(), here);
            if (read.isEmpty()) {
                scheduler.unreadable(new Pending(pair, contact, here, record.key(), record.value(), RetryHeaders.withoutRetryHeaders(record.headers()),
                        null, RetryHeaders.History.none(here), false), record.offset(), Reason.UNREADABLE_REQUEST, "Its headers of the retry topic cannot be read");
                return OptionalInt.empty();
            }
            entry = read.get();
            if (!scheduler.counts(pair, entry)) {
                return OptionalInt.empty(); // written by a reader that no longer owned the partition
            }
            if (entry.kind() == RetryHeaders.Kind.RESOLVED || entry.kind() == RetryHeaders.Kind.OWNER) {
                scheduler.replayed(pair, record.offset(), entry, contact, Optional.empty());
                return OptionalInt.empty();
            }
        }
        RetryHeaders.History history = entry == null ? RetryHeaders.History.none(here) : entry.history();
        RequestDecoder.Decoded decoded = decoder.decode(record.topic(), record.value());
        if (decoded instanceof RequestDecoder.Decoded.SchemaUnavailable unavailable) {
            return OptionalInt.of(unavailable.schemaId());
        }
        RefinerRequestRecord request = decoded instanceof RequestDecoder.Decoded.Request readable ? readable.request() : null;
        Pending pending = new Pending(pair, contact, history.origin(), record.key(), record.value(),
                RetryHeaders.withoutRetryHeaders(record.headers()), request, history, !fromRetries);
        if (decoded instanceof RequestDecoder.Decoded.Unreadable unreadable) {
            scheduler.unreadable(pending, fromRetries ? record.offset() : -1, Reason.UNREADABLE_REQUEST, unreadable.why());
        } else if (fromRetries) {
            pending.due = entry.due();
            scheduler.replayed(pair, record.offset(), entry, contact, Optional.of(pending));
        } else {
            scheduler.offer(pending);
        }
        return OptionalInt.empty();
    }
}

package io.segmentrefiner.topology;

import io.segmentrefiner.refiner.Outcome;
import io.segmentrefiner.refiner.Outcome.Skipped;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.refiner.Reason;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.time.Duration;
import java.util.Optional;

/**
 * Skips an event whose {@code messageId} was translated already within the window, as Segment drops a message it
 * has seen: its libraries retry, so copies are normal. An event without a {@code messageId} is never a copy.
 *
 * <p>The messageIds translated are kept in a window store by record timestamp, so that they expire with the window,
 * with a changelog written in the same transaction as the requests: a translation that is aborted leaves no
 * messageId behind, and a restart or a rebalance restores what was committed. The store is the partition's own, so
 * copies are found only on the partition of the first: producers key by contact, as {@code produce} and ingest do.
 */
final class DropDuplicates implements FixedKeyProcessor<byte[], Outcome, Outcome> {

    static final String STORE = "translated-message-ids";

    private final long windowMillis;
    private WindowStore<String, Long> translated;
    private FixedKeyProcessorContext<byte[], Outcome> context;

    DropDuplicates(Duration window) {
        this.windowMillis = window.toMillis();
    }

    /** The store of the messageIds translated within the window, kept as long as the window. */
    static StoreBuilder<WindowStore<String, Long>> store(Duration window) {
        return Stores.windowStoreBuilder(Stores.persistentWindowStore(STORE, window, window, false), Serdes.String(), Serdes.Long());
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], Outcome> context) {
        this.context = context;
        this.translated = context.getStateStore(STORE);
    }

    @Override
    public void process(FixedKeyRecord<byte[], Outcome> record) {
        Translated translation = (Translated) record.value();
        Optional<String> messageId = translation.messageId();
        if (messageId.isEmpty()) {
            context.forward(record);
            return;
        }
        long at = record.timestamp();
        if (seenWithinWindow(messageId.get(), at)) {
            context.forward(record.withValue(new Skipped(messageId, Reason.DUPLICATE)));
            return;
        }
        translated.put(messageId.get(), at, at);
        context.forward(record);
    }

    /** Whether the messageId was translated less than the window before or after {@code at}: copies can come out of order. */
    private boolean seenWithinWindow(String messageId, long at) {
        long reach = windowMillis - 1;
        try (WindowStoreIterator<Long> seen = translated.fetch(messageId, Math.max(0, at - reach), at > Long.MAX_VALUE - reach ? Long.MAX_VALUE : at + reach)) {
            return seen.hasNext();
        }
    }
}

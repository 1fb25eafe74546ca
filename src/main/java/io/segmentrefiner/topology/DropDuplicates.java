package io.segmentrefiner.topology;

import io.segmentrefiner.refiner.Outcome;
import io.segmentrefiner.refiner.Outcome.Skipped;
import io.segmentrefiner.refiner.Reason;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Skips an event whose {@code messageId} was translated already within the window, as Segment drops a message it
 * has seen: its libraries retry, so copies are normal. An event without a {@code messageId} is never a copy.
 *
 * <p>The messageIds translated are kept with the record timestamp they were translated at, in a key-value store
 * whose changelog is written in the same transaction as the requests: a translation that is aborted leaves no
 * messageId behind, and a restart or a rebalance restores what was committed. The store is in RocksDB, so that its
 * size is bounded by disk, not by the heap: in memory it measured faster (0.61 to 0.71 of the pass-through rate on
 * the translation benchmark, against 0.49; docs/benchmarks.md) but held some 144 bytes of heap per messageId, which
 * a day of a busy source turns into an out-of-memory crash days after a deploy. A key-value store, not a window
 * store: one point lookup an event, which for a new messageId the bloom filter answers. The entries a whole window
 * behind stream time are deleted by a punctuation every 1/24 of the window, so the store
 * holds about a window and an hour of messageIds. The store is the partition's own, so copies are found only on
 * the partition of the first: producers key by contact, as {@code produce} and ingest do.
 */
final class DropDuplicates implements FixedKeyProcessor<byte[], Outcome, Outcome> {

    static final String STORE = "translated-message-ids";
    // How many times a window the expired messageIds are deleted: the store overshoots the window by this fraction.
    private static final int PURGES_PER_WINDOW = 24;
    private static final Duration SHORTEST_PURGE_INTERVAL = Duration.ofSeconds(1);

    private final Duration window;
    private KeyValueStore<String, Long> translated;
    private FixedKeyProcessorContext<byte[], Outcome> context;

    DropDuplicates(Duration window) {
        this.window = window;
    }

    /** The store of the messageIds translated, each with the record timestamp of its translation. */
    static StoreBuilder<KeyValueStore<String, Long>> store() {
        // No cache: messageIds are unique but for copies, so a cache would only delay the writes to the changelog.
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.Long()).withCachingDisabled();
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], Outcome> context) {
        this.context = context;
        this.translated = context.getStateStore(STORE);
        Duration every = window.dividedBy(PURGES_PER_WINDOW);
        context.schedule(every.compareTo(SHORTEST_PURGE_INTERVAL) < 0 ? SHORTEST_PURGE_INTERVAL : every,
                PunctuationType.STREAM_TIME, this::deleteExpired);
    }

    @Override
    public void process(FixedKeyRecord<byte[], Outcome> record) {
        Optional<String> messageId = record.value().messageId();
        if (messageId.isEmpty()) {
            context.forward(record);
            return;
        }
        long at = record.timestamp();
        Long seen = translated.get(messageId.get());
        if (seen != null && Math.abs(at - seen) < window.toMillis()) {
            context.forward(record.withValue(new Skipped(messageId, Reason.DUPLICATE)));
            return;
        }
        translated.put(messageId.get(), at);
        context.forward(record);
    }

    /** Deletes the messageIds translated a whole window or more before stream time: no copy of them is a duplicate now. */
    private void deleteExpired(long streamTime) {
        long expiredBefore = streamTime - window.toMillis();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = translated.all()) {
            while (all.hasNext()) {
                KeyValue<String, Long> entry = all.next();
                if (entry.value <= expiredBefore) {
                    expired.add(entry.key);
                }
            }
        }
        expired.forEach(translated::delete);
    }
}

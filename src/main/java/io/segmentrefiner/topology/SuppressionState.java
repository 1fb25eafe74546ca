package io.segmentrefiner.topology;

import io.segmentrefiner.refiner.SuppressionEntry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.ValueAndTimestamp;

import java.util.Optional;

/**
 * Whether a user is on the suppression list, as a task sees it: the list's global table, read by every instance
 * from {@code suppressions.topic}, and before it the changes this task made that the table may not show yet.
 *
 * <p>The table is filled by the global thread from what was committed, some time after the commit, while a task
 * goes on at once with the events behind a delete. So the list's changes that a task writes are also kept in a
 * store of its own, in memory and without a changelog, until the table shows them: the event right behind a delete
 * is suppressed, and one right behind an unsuppress is not. A change of a transaction that aborts goes with the task's
 * state, which Kafka Streams closes and opens again, and so the store is empty again.
 */
final class SuppressionState {

    /** The global table of {@code suppressions.topic}: key the user id or the email, value the entry. */
    static final String LIST_STORE = "suppression-list";
    /** This task's changes to the list that the table may not show yet: key as above, value the entry, or {@link #LIFTED}. */
    static final String CHANGES_STORE = "suppression-changes";
    static final String LIFTED = "";

    private final ReadOnlyKeyValueStore<String, ValueAndTimestamp<String>> list;
    private final KeyValueStore<String, String> changes;

    SuppressionState(ReadOnlyKeyValueStore<String, ValueAndTimestamp<String>> list, KeyValueStore<String, String> changes) {
        this.list = list;
        this.changes = changes;
    }

    /**
     * The list's table in memory: every event looks its user up, the list is small (the users deleted, some 200
     * bytes of heap each), and the topic restores it on every start. Without a cache: the global thread flushes its
     * cache to the store only every 10,000 records, and until then {@link #empty()} would not see an entry that
     * another instance added.
     */
    static Materialized<String, String, KeyValueStore<Bytes, byte[]>> listTable() {
        return Materialized.<String, String>as(Stores.inMemoryKeyValueStore(LIST_STORE)).withCachingDisabled();
    }

    static StoreBuilder<KeyValueStore<String, String>> changesStore() {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CHANGES_STORE), Serdes.String(), Serdes.String())
                .withLoggingDisabled();
    }

    /** The entry a key is listed with now, if any; a change the table already shows is forgotten on the way. */
    Optional<SuppressionEntry> listed(String key) {
        Optional<String> inTable = tableValue(key);
        // Nearly always empty: a task keeps a change only until the table shows it.
        String changed = changes.approximateNumEntries() == 0 ? null : changes.get(key);
        if (changed == null) {
            return inTable.map(value -> SuppressionEntry.parse(key, value));
        }
        if (inTable.isPresent() == !changed.equals(LIFTED)) {
            changes.delete(key);
        }
        return changed.equals(LIFTED) ? Optional.empty() : Optional.of(SuppressionEntry.parse(key, changed));
    }

    /** Whether nobody is on the list: then no event's user needs to be looked for, which is most of the time. */
    boolean empty() {
        return list.approximateNumEntries() == 0 && changes.approximateNumEntries() == 0;
    }

    void changed(String key, Optional<SuppressionEntry> entry) {
        changes.put(key, entry.map(SuppressionEntry::toJson).orElse(LIFTED));
    }

    private Optional<String> tableValue(String key) {
        ValueAndTimestamp<String> value = list.get(key);
        return value == null || value.value() == null ? Optional.empty() : Optional.of(value.value());
    }
}

package io.segmentrefiner.topology;

import io.segmentrefiner.refiner.Outcome;
import io.segmentrefiner.refiner.Suppressions;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.time.Instant;

/**
 * The changes a delete or an unsuppress call makes to the suppression list, as records of its topic: an entry per
 * key added, a tombstone per key lifted (see {@link Suppressions#changes}). Each is kept as this task's change too, so
 * that the events right behind it see it before the list's table does.
 */
final class ToSuppressionList extends ContextualProcessor<byte[], Outcome, String, String> {

    private final OutcomeMetrics translated = new OutcomeMetrics(OutcomeMetrics.TRANSLATED);
    private SuppressionState suppressions;

    @Override
    public void init(ProcessorContext<String, String> context) {
        super.init(context);
        this.suppressions = new SuppressionState(context.getStateStore(SuppressionState.LIST_STORE),
                context.getStateStore(SuppressionState.CHANGES_STORE));
    }

    @Override
    public void process(Record<byte[], Outcome> record) {
        if (!Suppressions.changesTheList(record.value())) {
            return;
        }
        if (record.value() instanceof Outcome.Unsuppressed) {
            translated.count(context(), OutcomeMetrics.UNSUPPRESSED);
        }
        Suppressions.changes(record.value(), Instant.ofEpochMilli(record.timestamp()), suppressions::listed).forEach((key, entry) -> {
            suppressions.changed(key, entry);
            context().forward(new Record<>(key, entry.map(listed -> listed.toJson()).orElse(null), record.timestamp()));
        });
    }
}

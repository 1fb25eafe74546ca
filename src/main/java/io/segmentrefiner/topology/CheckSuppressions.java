package io.segmentrefiner.topology;

import io.segmentrefiner.refiner.Outcome;
import io.segmentrefiner.refiner.Outcome.Accepted;
import io.segmentrefiner.refiner.Suppressions;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/** Skips, as {@code SUPPRESSED}, an accepted event whose user is on the suppression list (see {@link Suppressions#check}). */
final class CheckSuppressions implements FixedKeyProcessor<byte[], Outcome, Outcome> {

    private FixedKeyProcessorContext<byte[], Outcome> context;
    private SuppressionState suppressions;

    @Override
    public void init(FixedKeyProcessorContext<byte[], Outcome> context) {
        this.context = context;
        this.suppressions = new SuppressionState(context.getStateStore(SuppressionState.LIST_STORE),
                context.getStateStore(SuppressionState.CHANGES_STORE));
    }

    @Override
    public void process(FixedKeyRecord<byte[], Outcome> record) {
        if (suppressions.empty()) {
            context.forward(record);
        } else {
            context.forward(record.withValue(Suppressions.check((Accepted) record.value(), suppressions::listed)));
        }
    }
}

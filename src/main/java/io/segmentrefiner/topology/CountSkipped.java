package io.segmentrefiner.topology;

import io.segmentrefiner.refiner.Outcome;
import org.apache.kafka.streams.processor.api.ContextualFixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/** The end of a skipped event: counted per reason, and nothing written. */
final class CountSkipped extends ContextualFixedKeyProcessor<byte[], Outcome, Void> {

    private final OutcomeMetrics skipped = new OutcomeMetrics(OutcomeMetrics.SKIPPED);

    @Override
    public void process(FixedKeyRecord<byte[], Outcome> record) {
        skipped.count(context(), ((Outcome.Skipped) record.value()).reason());
    }
}

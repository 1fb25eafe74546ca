package io.segmentrefiner.topology;

import io.segmentrefiner.deadletter.DeadLetter;
import io.segmentrefiner.refiner.Outcome;
import org.apache.kafka.streams.processor.api.ContextualFixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Turns a rejected event back into the bytes it came as, under the original key, with headers that say the
 * stage, the reason and the origin. The record's own headers are copied, not changed: other events of the same
 * batch envelope share them.
 */
final class ToDeadLetter extends ContextualFixedKeyProcessor<byte[], Outcome, byte[]> {

    private final OutcomeMetrics deadLettered = new OutcomeMetrics(OutcomeMetrics.DEAD_LETTERED);

    @Override
    public void process(FixedKeyRecord<byte[], Outcome> record) {
        Outcome.Rejected rejected = (Outcome.Rejected) record.value();
        RecordMetadata metadata = context().recordMetadata().orElseThrow();
        DeadLetter deadLetter = new DeadLetter(rejected.reason(), rejected.message(),
                new DeadLetter.Origin(metadata.topic(), metadata.partition(), metadata.offset()));
        deadLettered.count(context(), rejected.reason());
        context().forward(record.withValue(rejected.source()).withHeaders(deadLetter.appendTo(record.headers())));
    }
}

package io.segmentrefiner.topology;

import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.refiner.Outcome;
import io.segmentrefiner.refiner.RefinerRequest;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

import java.time.Instant;

/** Keys a translated event by its contact and writes it as the Avro request record that delivery reads. */
final class ToRequestRecord extends ContextualProcessor<byte[], Outcome, String, RefinerRequestRecord> {

    private final OutcomeMetrics requests = new OutcomeMetrics(OutcomeMetrics.TRANSLATED);

    @Override
    public void process(Record<byte[], Outcome> record) {
        Outcome.Translated translated = (Outcome.Translated) record.value();
        RefinerRequest request = translated.request();
        RefinerRequestRecord value = RefinerRequestRecord.newBuilder()
                .setMessageId(translated.messageId().orElse(null))
                .setType(translated.type().specName())
                .setMethod(request.method())
                .setPath(request.path())
                .setBody(request.body().toString())
                .setReceivedAt(translated.event().receivedAt().orElse(Instant.ofEpochMilli(record.timestamp())))
                .build();
        requests.count(context(), OutcomeMetrics.REQUEST);
        context().forward(record.withKey(request.contact()).withValue(value));
    }
}

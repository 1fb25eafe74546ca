package io.segmentrefiner.topology;

import io.segmentrefiner.refiner.Reason;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessingContext;

import java.util.EnumMap;
import java.util.Map;

/**
 * Counts skipped and dead-lettered events per reason in Kafka Streams' own metrics, so that they appear beside
 * Streams' metrics in JMX and in any reporter: group {@code stream-segment-refiner-metrics}, names
 * {@code skipped-total} / {@code dead-lettered-total} (and {@code -rate}), tag {@code segment-refiner-id=<REASON>}.
 */
final class OutcomeMetrics {

    static final String SCOPE = "segment-refiner";

    private final String operation;
    private final Map<Reason, Sensor> sensors = new EnumMap<>(Reason.class);

    OutcomeMetrics(String operation) {
        this.operation = operation;
    }

    void count(ProcessingContext context, Reason reason) {
        sensors.computeIfAbsent(reason, r -> context.metrics()
                        .addRateTotalSensor(SCOPE, r.name(), operation, Sensor.RecordingLevel.INFO))
                .record();
    }
}

package io.segmentrefiner.topology;

import io.segmentrefiner.refiner.Reason;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessingContext;

import java.util.HashMap;
import java.util.Map;

/**
 * Counts what became of events in Kafka Streams' own metrics, so that they appear beside Streams' metrics in JMX and
 * in any reporter: group {@code stream-segment-refiner-metrics}, names {@code translated-total} (tag
 * {@code segment-refiner-id=REQUEST} or {@code UNSUPPRESSED}), {@code skipped-total} and {@code dead-lettered-total}
 * (tag {@code segment-refiner-id=<REASON>}), each with its {@code -rate}. The application reads them into its
 * {@code refiner.translation.events} counters.
 */
public final class OutcomeMetrics {

    /** The group's scope: the group is {@code stream-<SCOPE>-metrics}. */
    public static final String SCOPE = "segment-refiner";
    /** The tag that says which reason, or which kind of translation. */
    public static final String TAG = SCOPE + "-id";
    public static final String TRANSLATED = "translated";
    public static final String SKIPPED = "skipped";
    public static final String DEAD_LETTERED = "dead-lettered";
    /** The tags of {@code translated}: an event that became a request, or an unsuppress call (nothing sent). */
    public static final String REQUEST = "REQUEST";
    public static final String UNSUPPRESSED = "UNSUPPRESSED";

    private final String operation;
    private final Map<String, Sensor> sensors = new HashMap<>();

    OutcomeMetrics(String operation) {
        this.operation = operation;
    }

    void count(ProcessingContext context, Reason reason) {
        count(context, reason.name());
    }

    void count(ProcessingContext context, String entity) {
        Sensor sensor = sensors.get(entity);
        if (sensor == null) {
            sensor = context.metrics().addRateTotalSensor(SCOPE, entity, operation, Sensor.RecordingLevel.INFO);
            sensors.put(entity, sensor);
        }
        sensor.record();
    }
}

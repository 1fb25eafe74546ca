package io.segmentrefiner.app;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.segmentrefiner.deadletter.HandledDeadLetters;
import io.segmentrefiner.refiner.Reason;
import io.segmentrefiner.topology.OutcomeMetrics;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Translation's outcomes as counters with conventional names: {@code refiner.translation.events{outcome, reason}}
 * ({@code refiner_translation_events_total} in Prometheus), every combination registered at the start so that each
 * reads 0 until it happens. They are read from the sensors the topology records in Kafka Streams' metrics and from
 * the count of Kafka Streams' error handlers.
 *
 * <p>Streams' sensors are per task and leave with a task that moves to another instance, or restart from zero when
 * it comes back; these counters only grow: each reading adds what every sensor gained since the last one, and a
 * sensor whose metric is a new object has started again.
 */
final class TranslationOutcomeCounters {

    static final String NAME = "refiner.translation.events";
    /** The reason of outcomes that have none: an event that became a request, an unsuppress call. */
    static final String NO_REASON = "NONE";
    // Handlers count these; the topology's processors never see them.
    private static final Set<Reason> HANDLED = Set.of(Reason.PROCESSING_ERROR, Reason.SERIALIZATION_ERROR, Reason.RECORD_TOO_LARGE);
    private static final long FRESH_FOR_NANOS = 500_000_000L;
    private static final String GROUP = "stream-" + OutcomeMetrics.SCOPE + "-metrics";

    /** The values of the {@code outcome} tag. */
    enum Outcome {
        request, unsuppressed, skipped, dead_lettered
    }

    record Key(Outcome outcome, String reason) {
    }

    /** A sensor's metric as last read: a metric of the same name that is another object belongs to a new sensor. */
    private record Reading(Metric metric, double value) {
    }

    private final Supplier<Map<MetricName, ? extends Metric>> streamsMetrics;
    private final HandledDeadLetters handled;
    private final Map<MetricName, Reading> lastReadings = new HashMap<>();
    private final Map<Key, Double> totals = new LinkedHashMap<>();
    private final LongSupplier nanoTime;
    private long readAtNanos;
    private boolean read;

    TranslationOutcomeCounters(Supplier<Map<MetricName, ? extends Metric>> streamsMetrics, HandledDeadLetters handled) {
        this(streamsMetrics, handled, System::nanoTime);
    }

    TranslationOutcomeCounters(Supplier<Map<MetricName, ? extends Metric>> streamsMetrics, HandledDeadLetters handled, LongSupplier nanoTime) {
        this.streamsMetrics = streamsMetrics;
        this.handled = handled;
        this.nanoTime = nanoTime;
        totals.put(new Key(Outcome.request, NO_REASON), 0.0);
        totals.put(new Key(Outcome.unsuppressed, NO_REASON), 0.0);
        for (Reason reason : Reason.values()) {
            if (reason.stage() == Reason.Stage.TRANSLATE) {
                totals.put(new Key(reason.deadLettered() ? Outcome.dead_lettered : Outcome.skipped, reason.name()), 0.0);
            }
        }
    }

    /** Micrometer holds these counters weakly: whoever binds them keeps them, or they read 0 after a collection. */
    void bindTo(MeterRegistry registry) {
        for (Key key : totals.keySet()) {
            FunctionCounter.builder(NAME, this, counters -> counters.total(key))
                    .description("Events translation read, by what became of them")
                    .tags("outcome", key.outcome().name(), "reason", key.reason())
                    .register(registry);
        }
    }

    /** Every counter's value now. */
    synchronized Map<Key, Double> totals() {
        read();
        return Map.copyOf(totals);
    }

    private synchronized double total(Key key) {
        read();
        return totals.get(key);
    }

    // A scrape reads every counter in a row: Kafka Streams' metrics are collected once for all of them.
    private void read() {
        long now = nanoTime.getAsLong();
        if (read && now - readAtNanos < FRESH_FOR_NANOS) {
            return;
        }
        read = true;
        readAtNanos = now;
        streamsMetrics.get().forEach((name, metric) -> {
            if (!GROUP.equals(name.group()) || !name.name().endsWith("-total")) {
                return;
            }
            Key key = keyOf(name);
            if (key == null || !totals.containsKey(key) || !(metric.metricValue() instanceof Number value)) {
                return;
            }
            double reading = value.doubleValue();
            Reading before = lastReadings.put(name, new Reading(metric, reading));
            boolean sameSensor = before != null && before.metric() == metric && reading >= before.value();
            double gained = sameSensor ? reading - before.value() : reading;
            totals.merge(key, gained, Double::sum);
        });
        for (Reason reason : HANDLED) {
            totals.put(new Key(Outcome.dead_lettered, reason.name()), (double) handled.count(reason));
        }
    }

    private static Key keyOf(MetricName name) {
        String id = name.tags().get(OutcomeMetrics.TAG);
        if (id == null) {
            return null;
        }
        return switch (name.name()) {
            case OutcomeMetrics.TRANSLATED + "-total" -> switch (id) {
                case OutcomeMetrics.REQUEST -> new Key(Outcome.request, NO_REASON);
                case OutcomeMetrics.UNSUPPRESSED -> new Key(Outcome.unsuppressed, NO_REASON);
                default -> null;
            };
            case OutcomeMetrics.SKIPPED + "-total" -> new Key(Outcome.skipped, id);
            case OutcomeMetrics.DEAD_LETTERED + "-total" -> new Key(Outcome.dead_lettered, id);
            default -> null;
        };
    }
}

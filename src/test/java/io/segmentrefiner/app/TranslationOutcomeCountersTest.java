package io.segmentrefiner.app;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.deadletter.HandledDeadLetters;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The counters read Kafka Streams' per-task sensors as the topology names them, and only grow: a task's sensor that
 * leaves (the task moved to another instance) keeps what it counted, one that comes back at zero adds from there.
 */
class TranslationOutcomeCountersTest {

    private final Metrics metrics = new Metrics(new MetricConfig());
    private final Map<MetricName, Metric> visible = new HashMap<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // Every reading a second after the one before: the counters' half-second cache never answers here.
    private final AtomicLong nanoTime = new AtomicLong();
    private final LongSupplier aSecondLater = () -> nanoTime.addAndGet(1_000_000_000L);

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void everyOutcomeIsRegisteredAtZeroWithConventionalTags() {
        new TranslationOutcomeCounters(() -> visible, new HandledDeadLetters(), aSecondLater).bindTo(registry);

        assertThat(registry.find(TranslationOutcomeCounters.NAME).functionCounters())
                .extracting(counter -> counter.getId().getTag("outcome") + "/" + counter.getId().getTag("reason"))
                .containsExactlyInAnyOrder("request/NONE", "unsuppressed/NONE",
                        "skipped/DISABLED", "skipped/UNSUPPORTED_TYPE", "skipped/DUPLICATE", "skipped/SUPPRESSED",
                        "dead_lettered/INVALID_JSON", "dead_lettered/MISSING_TYPE", "dead_lettered/MISSING_IDENTITY",
                        "dead_lettered/MISSING_EVENT", "dead_lettered/MISSING_GROUP_ID", "dead_lettered/PROCESSING_ERROR",
                        "dead_lettered/SERIALIZATION_ERROR", "dead_lettered/RECORD_TOO_LARGE");
        assertThat(registry.find(TranslationOutcomeCounters.NAME).functionCounters()).allMatch(counter -> counter.count() == 0);
    }

    @Test
    void sumsTasksAndKeepsWhatATaskCountedAfterItLeaves() {
        new TranslationOutcomeCounters(() -> visible, new HandledDeadLetters(), aSecondLater).bindTo(registry);
        Sensor task0 = sensor("skipped-total", "0_0", "DISABLED");
        Sensor task1 = sensor("skipped-total", "0_1", "DISABLED");
        task0.record(3);
        task1.record(2);
        assertThat(count("skipped", "DISABLED")).isEqualTo(5);

        visible.keySet().removeIf(name -> "0_1".equals(name.tags().get("task-id"))); // the task moved away
        task0.record(1);
        assertThat(count("skipped", "DISABLED")).isEqualTo(6);

        metrics.removeSensor("0_0-skipped-DISABLED"); // and this one came back, from zero
        visible.clear();
        Sensor again = sensor("skipped-total", "0_0", "DISABLED");
        again.record(4);
        assertThat(count("skipped", "DISABLED")).isEqualTo(10);
    }

    @Test
    void requestsDeadLettersAndTheHandlersCountsHaveTheirOutcome() {
        HandledDeadLetters handled = new HandledDeadLetters();
        new TranslationOutcomeCounters(() -> visible, handled, aSecondLater).bindTo(registry);
        sensor("translated-total", "0_0", "REQUEST").record(7);
        sensor("translated-total", "0_0", "UNSUPPRESSED").record(1);
        sensor("dead-lettered-total", "0_0", "MISSING_EVENT").record(2);
        sensor("other-total", "0_0", "MISSING_EVENT").record(100); // not the topology's

        assertThat(count("request", "NONE")).isEqualTo(7);
        assertThat(count("unsuppressed", "NONE")).isEqualTo(1);
        assertThat(count("dead_lettered", "MISSING_EVENT")).isEqualTo(2);
        assertThat(count("dead_lettered", "PROCESSING_ERROR")).isZero();
    }

    private Sensor sensor(String name, String task, String id) {
        Sensor sensor = metrics.sensor(task + "-" + name.replace("-total", "") + "-" + id);
        MetricName metricName = metrics.metricName(name, "stream-segment-refiner-metrics", "",
                Map.of("thread-id", "t-1", "task-id", task, "segment-refiner-id", id));
        sensor.add(metricName, new CumulativeSum());
        KafkaMetric metric = metrics.metric(metricName);
        visible.put(metricName, metric);
        return sensor;
    }

    private double count(String outcome, String reason) {
        FunctionCounter counter = registry.find(TranslationOutcomeCounters.NAME).tags("outcome", outcome, "reason", reason).functionCounter();
        return counter.count();
    }
}

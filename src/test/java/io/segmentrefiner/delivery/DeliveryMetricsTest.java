package io.segmentrefiner.delivery;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryMetricsTest {

    /**
     * Micrometer holds a gauge's object weakly: a gauge keeps reading after a garbage collection only if something
     * else holds that object. Every gauge's object is the metrics themselves, which the engine holds while it runs,
     * and not the suppliers they are given, which nothing else references (as in DeliveryEngine).
     */
    @Test
    void everyGaugeReadsThroughTheMetricsSoThatNoneDependsOnTheRegistryHoldingItsObject() {
        Map<String, Object> gaugeObjects = new ConcurrentHashMap<>();
        SimpleMeterRegistry meters = new SimpleMeterRegistry() {
            @Override
            protected <T> Gauge newGauge(Meter.Id id, T obj, ToDoubleFunction<T> valueFunction) {
                if (id.getType() != Meter.Type.GAUGE || !id.getName().endsWith(".percentile")) {
                    gaugeObjects.put(id.getName(), obj); // the latency's percentiles are the timer's own, held by it
                }
                return super.newGauge(id, obj, valueFunction);
            }
        };
        DeliveryMetrics metrics = new DeliveryMetrics(meters);
        DeliverySettings settings = new DeliverySettings("http://refiner.invalid", "rk_test", "requests", "retries", "dlq", 8, 0,
                new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofHours(1)), Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofMillis(200), 1_000);
        ContactScheduler scheduler = new ContactScheduler(settings, new ContactScheduler.Effects() {
            @Override
            public void send(ContactScheduler.Attempt attempt) {
            }

            @Override
            public void write(Write write) {
            }

            @Override
            public void wakeUpIn(Duration wait) {
            }
        }, metrics, Clock.systemUTC(), System::nanoTime);
        AtomicInteger paused = new AtomicInteger(1);
        AtomicInteger waiting = new AtomicInteger(3);

        metrics.gauges(scheduler, paused::get, waiting::get);

        assertThat(gaugeObjects).as("a gauge of each name").hasSize(9);
        assertThat(gaugeObjects.values()).as("the object each gauge is held by").allSatisfy(object -> assertThat(object).isSameAs(metrics));
        assertThat(meters.get("refiner.delivery.paused").gauge().value()).isEqualTo(1.0);
        assertThat(meters.get("refiner.delivery.registry.waiting").gauge().value()).isEqualTo(3.0);
        assertThat(meters.get("refiner.delivery.in.flight").gauge().value()).isZero();
        assertThat(meters.get("refiner.delivery.rate").gauge().value()).as("nothing limits it yet").isZero();
        paused.set(0);
        assertThat(meters.get("refiner.delivery.paused").gauge().value()).isZero();
    }
}

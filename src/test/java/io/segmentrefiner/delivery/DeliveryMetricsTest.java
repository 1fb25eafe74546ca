package io.segmentrefiner.delivery;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryMetricsTest {

    @Test
    void gaugesKeepReadingAfterAGarbageCollection() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
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
        // The suppliers are referenced by the metrics alone, as in DeliveryEngine.
        Supplier<Number> pausedReader = paused::get;
        WeakReference<Supplier<Number>> watched = new WeakReference<>(pausedReader);
        metrics.gauges(scheduler, pausedReader, waiting::get);
        pausedReader = null;

        for (int i = 0; i < 5; i++) {
            System.gc();
        }

        assertThat(watched.get()).as("the gauge holds its supplier").isNotNull();
        assertThat(meters.get("refiner.delivery.paused").gauge().value()).isEqualTo(1.0);
        assertThat(meters.get("refiner.delivery.registry.waiting").gauge().value()).isEqualTo(3.0);
        assertThat(meters.get("refiner.delivery.in.flight").gauge().value()).isZero();
        assertThat(meters.get("refiner.delivery.rate").gauge().value()).as("nothing limits it yet").isZero();
        paused.set(0);
        assertThat(meters.get("refiner.delivery.paused").gauge().value()).isZero();
    }
}

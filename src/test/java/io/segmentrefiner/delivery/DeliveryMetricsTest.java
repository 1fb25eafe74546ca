package io.segmentrefiner.delivery;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryMetricsTest {

    @Test
    void gaugesKeepReadingAfterAGarbageCollection() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AtomicInteger inFlight = new AtomicInteger(7);
        AtomicInteger paused = new AtomicInteger(1);
        // The suppliers are referenced by the metrics alone, as in DeliveryEngine.
        Supplier<Number> inFlightReader = inFlight::get;
        WeakReference<Supplier<Number>> watched = new WeakReference<>(inFlightReader);
        new DeliveryMetrics(meters, inFlightReader, paused::get);
        inFlightReader = null;

        for (int i = 0; i < 5; i++) {
            System.gc();
        }

        assertThat(watched.get()).as("the gauge holds its supplier").isNotNull();
        assertThat(meters.get("refiner.delivery.in.flight").gauge().value()).isEqualTo(7.0);
        assertThat(meters.get("refiner.delivery.paused").gauge().value()).isEqualTo(1.0);
        paused.set(0);
        assertThat(meters.get("refiner.delivery.paused").gauge().value()).isZero();
    }
}

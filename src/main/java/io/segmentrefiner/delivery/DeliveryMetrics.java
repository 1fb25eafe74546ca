package io.segmentrefiner.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** The delivery's meters, on Micrometer: {@code refiner.delivery.*}. */
final class DeliveryMetrics {

    private final MeterRegistry registry;
    private final Counter delivered;
    private final Counter retried;
    private final Counter throttled;
    private final Timer latency;
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();

    DeliveryMetrics(MeterRegistry registry, Supplier<Number> inFlight, Supplier<Number> paused) {
        this.registry = registry;
        this.delivered = Counter.builder("refiner.delivery.delivered").description("Requests Refiner accepted (2xx)").register(registry);
        this.retried = Counter.builder("refiner.delivery.retried").description("Requests queued for another attempt").register(registry);
        this.throttled = Counter.builder("refiner.delivery.throttled").description("429 answers").register(registry);
        this.latency = Timer.builder("refiner.delivery.latency").description("Time from sending a request to its answer")
                .publishPercentileHistogram().register(registry);
        // Micrometer holds a gauge's object weakly by default: these suppliers are referenced nowhere else.
        Gauge.builder("refiner.delivery.in.flight", inFlight, s -> s.get().doubleValue()).description("Requests sent and not yet answered")
                .strongReference(true).register(registry);
        Gauge.builder("refiner.delivery.paused", paused, s -> s.get().doubleValue()).description("1 while Refiner refuses the API key")
                .strongReference(true).register(registry);
    }

    void delivered() {
        delivered.increment();
    }

    void retried() {
        retried.increment();
    }

    void throttled() {
        throttled.increment();
    }

    void deadLettered(String reason) {
        deadLettered.computeIfAbsent(reason, tag -> Counter.builder("refiner.delivery.dead.lettered")
                .description("Requests dead-lettered by delivery").tag("reason", tag).register(registry)).increment();
    }

    void answered(Duration took) {
        latency.record(took);
    }
}

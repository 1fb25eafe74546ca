package io.segmentrefiner.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.segmentrefiner.delivery.DeliveryEngine;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether the running roles do their job: Kafka Streams running (or rebalancing) and delivery neither paused
 * by a refused API key nor stopped. Published as the gauge {@code segment.refiner.healthy} (1 or 0), and each
 * change is logged.
 */
final class Health {

    private static final Logger log = LoggerFactory.getLogger(Health.class);

    private final Optional<KafkaStreams> translation;
    private final Optional<DeliveryEngine> delivery;
    private volatile String last = "";

    Health(Optional<KafkaStreams> translation, Optional<DeliveryEngine> delivery, MeterRegistry meters) {
        this.translation = translation;
        this.delivery = delivery;
        meters.gauge("segment.refiner.healthy", this, health -> health.problems().isEmpty() ? 1 : 0);
    }

    /** What is wrong now; empty when healthy. */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        translation.map(KafkaStreams::state).filter(state -> !state.isRunningOrRebalancing())
                .ifPresent(state -> problems.add("translation: Kafka Streams is " + state));
        delivery.map(DeliveryEngine::health).filter(state -> !state.healthy())
                .ifPresent(state -> problems.add("delivery: " + state));
        return problems;
    }

    /** Logs the health when it changed since the last call. */
    void logChange() {
        List<String> problems = problems();
        String now = problems.isEmpty() ? "healthy" : "unhealthy: " + String.join("; ", problems);
        if (!now.equals(last)) {
            if (problems.isEmpty()) {
                log.info("Health: {}", now);
            } else {
                log.warn("Health: {}", now);
            }
            last = now;
        }
    }
}

package io.segmentrefiner.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.segmentrefiner.delivery.DeliveryEngine;
import io.segmentrefiner.delivery.DeliveryHealth;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Whether the running roles do their job. Live: nothing has stopped on an error. Ready: Kafka answers, Kafka
 * Streams runs (or rebalances) and delivery is neither paused by a refused API key nor stopped. Readiness is
 * published as the gauge {@code segment.refiner.ready} (1 or 0), and each change is logged.
 */
public final class Health {

    private static final Logger log = LoggerFactory.getLogger(Health.class);

    private final Optional<KafkaStreams> translation;
    private final Optional<DeliveryEngine> delivery;
    private final BooleanSupplier kafkaReachable;
    private volatile String last = "";

    public Health(Optional<KafkaStreams> translation, Optional<DeliveryEngine> delivery, BooleanSupplier kafkaReachable,
                  MeterRegistry meters) {
        this.translation = translation;
        this.delivery = delivery;
        this.kafkaReachable = kafkaReachable;
        Gauge.builder("segment.refiner.ready", this, health -> health.notReady().isEmpty() ? 1 : 0)
                .description("1 when ready to take traffic, as /ready answers").strongReference(true).register(meters);
    }

    /** Why the process should be restarted; empty while it is live. */
    public List<String> notLive() {
        List<String> problems = new ArrayList<>();
        translation.map(KafkaStreams::state).filter(state -> state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR)
                .ifPresent(state -> problems.add("translation: Kafka Streams is " + state));
        delivery.map(DeliveryEngine::health).filter(state -> state == DeliveryHealth.FAILED)
                .ifPresent(state -> problems.add("delivery: " + state));
        return problems;
    }

    /** Why the process does not do its job now; empty while it is ready. */
    public List<String> notReady() {
        List<String> problems = new ArrayList<>();
        if (!kafkaReachable.getAsBoolean()) {
            problems.add("kafka: the brokers do not answer");
        }
        translation.map(KafkaStreams::state).filter(state -> !state.isRunningOrRebalancing())
                .ifPresent(state -> problems.add("translation: Kafka Streams is " + state));
        delivery.map(DeliveryEngine::health).filter(state -> !state.healthy())
                .ifPresent(state -> problems.add("delivery: " + state));
        return problems;
    }

    /** Each part's state, for a reader of {@code /health}. */
    public Map<String, String> parts() {
        Map<String, String> parts = new LinkedHashMap<>();
        parts.put("kafka", kafkaReachable.getAsBoolean() ? "REACHABLE" : "UNREACHABLE");
        translation.ifPresent(streams -> parts.put("translation", streams.state().name()));
        delivery.ifPresent(engine -> parts.put("delivery", engine.health().name()));
        return parts;
    }

    /** Logs readiness when it changed since the last call. */
    public void logChange() {
        List<String> problems = notReady();
        String now = problems.isEmpty() ? "ready" : "not ready: " + String.join("; ", problems);
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

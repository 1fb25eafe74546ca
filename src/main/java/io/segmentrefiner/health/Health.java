package io.segmentrefiner.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Whether the running parts do their job. Live: no part has stopped on an error. Ready: Kafka answers and every part
 * does its job now. Readiness is published as the gauge {@code segment.refiner.ready} (1 or 0), and each change is
 * logged.
 */
public final class Health {

    private static final Logger log = LoggerFactory.getLogger(Health.class);

    private final List<HealthPart> running;
    private final BooleanSupplier kafkaReachable;
    private volatile String last = "";

    public Health(List<HealthPart> running, BooleanSupplier kafkaReachable, MeterRegistry meters) {
        this.running = List.copyOf(running);
        this.kafkaReachable = kafkaReachable;
        Gauge.builder("segment.refiner.ready", this, health -> health.notReady().isEmpty() ? 1 : 0)
                .description("1 when ready to take traffic, as /ready answers").strongReference(true).register(meters);
    }

    /** Why the process should be restarted; empty while it is live. */
    public List<String> notLive() {
        List<String> problems = new ArrayList<>();
        running.forEach(part -> part.failure().ifPresent(why -> problems.add(part.name() + ": " + why)));
        return problems;
    }

    /** Why the process does not do its job now; empty while it is ready. */
    public List<String> notReady() {
        List<String> problems = new ArrayList<>();
        if (!kafkaReachable.getAsBoolean()) {
            problems.add("kafka: the brokers do not answer");
        }
        running.forEach(part -> part.notReady().ifPresent(why -> problems.add(part.name() + ": " + why)));
        return problems;
    }

    /** Each part's state, for a reader of {@code /health}. */
    public Map<String, String> parts() {
        Map<String, String> parts = new LinkedHashMap<>();
        parts.put("kafka", kafkaReachable.getAsBoolean() ? "REACHABLE" : "UNREACHABLE");
        running.forEach(part -> parts.put(part.name(), part.state()));
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

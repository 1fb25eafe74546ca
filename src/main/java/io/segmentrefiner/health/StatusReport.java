package io.segmentrefiner.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.segmentrefiner.deadletter.WaitingDeadLetters;
import io.segmentrefiner.delivery.DeliveryEngine;
import io.segmentrefiner.delivery.DeliveryFailures;
import io.segmentrefiner.delivery.DeliveryHealth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the status page shows, as the JSON of {@code /status.json}: this instance's outcomes per minute over the last
 * hour (sampled from its counters by {@link #sample()} every few seconds), delivery's state, latency, failures with
 * samples and backlog, the dead letters waiting and each stage's lag. Built from what the meters, delivery and the
 * background readers already hold: a request to the page reads, it does not ask Kafka.
 */
public final class StatusReport {

    static final int MINUTES = 60;

    /** Who this instance is; the page and the JSON say that they show this instance only. */
    public record Instance(String applicationId, String version, Instant startedAt, List<String> roles, String host, int httpPort) {
    }

    private final Instance instance;
    private final Health health;
    private final MeterRegistry meters;
    private final Optional<DeliveryEngine> delivery;
    private final Optional<WaitingDeadLetters> deadLetters;
    private final ConsumerLag lag;
    private final Clock clock;
    private final MinuteHistory history = new MinuteHistory(MINUTES);
    private final ObjectMapper json = new ObjectMapper();

    public StatusReport(Instance instance, Health health, MeterRegistry meters, Optional<DeliveryEngine> delivery,
                        Optional<WaitingDeadLetters> deadLetters, ConsumerLag lag, Clock clock) {
        this.instance = instance;
        this.health = health;
        this.meters = meters;
        this.delivery = delivery;
        this.deadLetters = deadLetters;
        this.lag = lag;
        this.clock = clock;
    }

    /** Adds what the counters gained since the last sample to the current minute. */
    public void sample() {
        history.record(clock.instant(), totals());
    }

    /** The counters the page charts, by series name: {@code translation/<outcome>/<reason>}, {@code delivery/<what>/<reason>}. */
    Map<String, Double> totals() {
        Map<String, Double> totals = new LinkedHashMap<>();
        for (FunctionCounter counter : meters.find("refiner.translation.events").functionCounters()) {
            totals.put("translation/" + counter.getId().getTag("outcome") + "/" + counter.getId().getTag("reason"), counter.count());
        }
        for (String what : List.of("delivered", "retried", "throttled")) {
            Counter counter = meters.find("refiner.delivery." + what).counter();
            if (counter != null) {
                totals.put("delivery/" + what + "/NONE", counter.count());
            }
        }
        for (Counter counter : meters.find("refiner.delivery.dead.lettered").counters()) {
            totals.put("delivery/dead_lettered/" + counter.getId().getTag("reason"), counter.count());
        }
        return totals;
    }

    public ObjectNode json() {
        Instant now = clock.instant();
        ObjectNode status = json.createObjectNode();
        status.put("generatedAt", now.toString());
        ObjectNode who = status.putObject("instance");
        who.put("scope", "this instance only: every instance serves its own page; sum their /status.json for the fleet");
        who.put("applicationId", instance.applicationId());
        who.put("version", instance.version());
        who.put("host", instance.host());
        who.put("httpPort", instance.httpPort());
        who.put("startedAt", instance.startedAt().toString());
        who.put("uptimeSeconds", Duration.between(instance.startedAt(), now).toSeconds());
        instance.roles().forEach(who.putArray("roles")::add);

        ObjectNode state = status.putObject("health");
        List<String> notLive = health.notLive();
        List<String> notReady = health.notReady();
        state.put("live", notLive.isEmpty());
        state.put("ready", notReady.isEmpty());
        ArrayNode problems = state.putArray("problems");
        notLive.forEach(problems::add);
        notReady.stream().filter(problem -> !notLive.contains(problem)).forEach(problems::add);
        health.parts().forEach(state.putObject("parts")::put);

        Map<String, Double> totals = totals();
        ArrayNode counts = status.putArray("totals");
        totals.forEach((name, total) -> {
            ObjectNode row = series(counts.addObject(), name).put("count", Math.round(total));
            FailureGuide.of(row.get("reason").asText()).ifPresent(entry -> row.put("meaning", entry.meaning()));
        });
        MinuteHistory.Window window = history.window(now);
        ObjectNode perMinute = status.putObject("perMinute");
        ArrayNode minutes = perMinute.putArray("minutes");
        window.minutes().forEach(minute -> minutes.add(minute.toString()));
        ArrayNode lines = perMinute.putArray("series");
        window.series().forEach((name, perMinuteCounts) -> {
            ObjectNode line = series(lines.addObject(), name);
            ArrayNode values = line.putArray("counts");
            for (long count : perMinuteCounts) {
                values.add(count);
            }
        });

        delivery(status.putObject("delivery"));
        failures(status.putArray("failures"), totals);
        waiting(status.putArray("deadLettersWaiting"));
        ArrayNode lags = status.putArray("lag");
        for (ConsumerLag.Reading reading : lag.readings()) {
            ObjectNode row = lags.addObject().put("stage", reading.stage()).put("group", reading.group()).put("topic", reading.topic());
            reading.records().ifPresentOrElse(records -> row.put("records", records), () -> row.putNull("records"));
            row.put("at", reading.at().equals(Instant.EPOCH) ? null : reading.at().toString());
        }
        return status;
    }

    private static ObjectNode series(ObjectNode row, String name) {
        String[] parts = name.split("/", 3);
        return row.put("stage", parts[0]).put("outcome", parts[1]).put("reason", parts[2]);
    }

    private void delivery(ObjectNode out) {
        out.put("enabled", delivery.isPresent());
        if (delivery.isEmpty()) {
            return;
        }
        DeliveryEngine engine = delivery.get();
        DeliveryHealth state = engine.health();
        out.put("state", state.name());
        engine.problem().ifPresentOrElse(problem -> out.put("problem", problem), () -> out.putNull("problem"));
        out.put("paused", state == DeliveryHealth.PAUSED_UNAUTHORIZED);
        double rate = gauge("refiner.delivery.rate");
        out.put("throttled", rate > 0);
        if (rate > 0) {
            out.put("throttledReason", "Refiner answered 429: delivery sends at most " + Math.round(rate * 10) / 10.0 + " requests a second");
        }
        out.put("waitingForRegistry", Math.round(gauge("refiner.delivery.registry.waiting")));
        out.put("inFlight", Math.round(gauge("refiner.delivery.in.flight")));
        out.put("queued", Math.round(gauge("refiner.delivery.queued")));
        ObjectNode backlog = out.putObject("retryBacklog");
        backlog.put("held", Math.round(gauge("refiner.delivery.held")));
        backlog.put("contactsWaiting", Math.round(gauge("refiner.delivery.contacts.waiting")));
        lag.readings().stream().filter(reading -> reading.stage().equals("retry")).findFirst()
                .flatMap(ConsumerLag.Reading::records).ifPresent(records -> backlog.put("retryTopicLag", records));
        Timer latency = meters.find("refiner.delivery.latency").timer();
        ObjectNode latencies = out.putObject("latencyMs");
        if (latency != null) {
            latencies.put("answers", latency.count());
            for (ValueAtPercentile percentile : latency.takeSnapshot().percentileValues()) {
                latencies.put(percentile.percentile() == 0.5 ? "p50" : percentile.percentile() == 0.95 ? "p95" : "p" + percentile.percentile(),
                        Math.round(percentile.value(TimeUnit.MILLISECONDS) * 10) / 10.0);
            }
        }
    }

    private double gauge(String name) {
        Gauge gauge = meters.find(name).gauge();
        return gauge == null || Double.isNaN(gauge.value()) ? 0 : gauge.value();
    }

    private void failures(ArrayNode out, Map<String, Double> totals) {
        delivery.ifPresent(engine -> {
            for (DeliveryFailures.Failure failure : engine.failures().failures()) {
                ObjectNode row = failure(out.addObject(), "deliver", failure.code(), failure.deadLettered(), failure.count());
                row.put("last", failure.last().toString());
                DeliveryFailures.Sample sample = failure.sample();
                ObjectNode shown = row.putObject("sample");
                shown.putObject("request").put("method", sample.method()).put("path", sample.path()).put("body", sample.body());
                shown.putObject("answer").put("status", sample.status()).put("body", sample.answer()).put("failure", sample.failure());
            }
        });
        Map<String, WaitingDeadLetters.Kind> waiting = new LinkedHashMap<>();
        deadLetters.ifPresent(reader -> reader.waiting().stream().filter(kind -> kind.stage().equals("translate"))
                .forEach(kind -> waiting.put(kind.reason(), kind)));
        totals.forEach((name, total) -> {
            String[] parts = name.split("/", 3);
            if (parts[0].equals("translation") && parts[1].equals("dead_lettered") && total > 0) {
                ObjectNode row = failure(out.addObject(), "translate", parts[2], true, Math.round(total));
                WaitingDeadLetters.Kind kind = waiting.get(parts[2]);
                if (kind != null && kind.last() != null) {
                    row.put("last", kind.last().at().toString());
                    row.putObject("sample").putObject("event").put("value", kind.last().value())
                            .put("message", kind.last().message()).put("origin", kind.last().origin());
                } else {
                    row.putNull("last");
                }
            }
        });
    }

    private static ObjectNode failure(ObjectNode row, String stage, String code, boolean deadLettered, long count) {
        row.put("stage", stage).put("code", code).put("deadLettered", deadLettered).put("count", count);
        FailureGuide.of(code).ifPresent(entry -> row.put("meaning", entry.meaning()).put("action", entry.action()));
        return row;
    }

    private void waiting(ArrayNode out) {
        deadLetters.ifPresent(reader -> reader.waiting().forEach(kind -> {
            ObjectNode row = out.addObject().put("stage", kind.stage()).put("reason", kind.reason()).put("waiting", kind.waiting());
            if (kind.last() != null) {
                row.put("last", kind.last().at().toString());
            }
        }));
    }
}

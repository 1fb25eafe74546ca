package io.segmentrefiner.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.segmentrefiner.refiner.Reason;

import java.time.Clock;
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
    private final Map<Reason, Counter> deadLettered = new ConcurrentHashMap<>();
    private final DeliveryFailures failures = new DeliveryFailures(Clock.systemUTC());
    // What each gauge reads, by its name.
    private final Map<String, Supplier<Number>> readings = new ConcurrentHashMap<>();

    DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.delivered = Counter.builder("refiner.delivery.delivered").description("Requests Refiner accepted (2xx)").register(registry);
        this.retried = Counter.builder("refiner.delivery.retried").description("Requests queued for another attempt").register(registry);
        this.throttled = Counter.builder("refiner.delivery.throttled").description("429 answers").register(registry);
        this.latency = Timer.builder("refiner.delivery.latency").description("Time from sending a request to its answer")
                // The histogram is for Prometheus (histogram_quantile); the two percentiles, over the last minutes, for the status page.
                .publishPercentileHistogram().publishPercentiles(0.5, 0.95).register(registry);
        for (Reason reason : Reason.values()) {
            if (reason.stage() == Reason.Stage.DELIVER) {
                deadLetteredCounter(reason); // each reads 0 until it happens, so that rates and alerts see the first
            }
        }
    }

    /** The gauges, read from the scheduler and the engine when scraped. */
    void gauges(ContactScheduler scheduler, Supplier<Number> paused, Supplier<Number> partitionsWaitingForRegistry) {
        gauge("refiner.delivery.in.flight", "Requests sent and not yet answered", scheduler::inFlight);
        gauge("refiner.delivery.paused", "1 while Refiner refuses the API key", paused);
        gauge("refiner.delivery.rate", "Requests a second delivery sends at most now, learned from 429s; 0 when nothing limits it",
                () -> Double.isInfinite(scheduler.rate()) ? 0 : scheduler.rate());
        gauge("refiner.delivery.contacts.waiting", "Contacts whose requests wait behind one that needs a retry", scheduler::waitingContacts);
        gauge("refiner.delivery.held", "Requests held in the lines of waiting contacts", scheduler::held);
        gauge("refiner.delivery.queued", "Requests read and waiting for their contact's request in flight", scheduler::queued);
        gauge("refiner.delivery.pairs", "Partition pairs (requests and retry partition i) this instance owns", () -> scheduler.pairs().size());
        gauge("refiner.delivery.pairs.catching.up", "Owned pairs whose retry partition is still read back before their requests",
                scheduler::pairsCatchingUp);
        gauge("refiner.delivery.registry.waiting", "Partitions whose next record waits for the schema registry", partitionsWaitingForRegistry);
    }

    /**
     * A gauge whose object is these metrics, which the engine holds while it runs: Micrometer holds a gauge's object
     * weakly unless told otherwise, and a supplier that only the gauge referenced would read NaN after a collection.
     * Held strongly as well, so that after a stop the gauges go on reading what delivery last knew.
     */
    private void gauge(String name, String description, Supplier<Number> value) {
        readings.put(name, value);
        Gauge.builder(name, this, metrics -> metrics.read(name)).description(description).strongReference(true).register(registry);
    }

    private double read(String gauge) {
        return readings.get(gauge).get().doubleValue();
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

    void deadLettered(Reason reason) {
        deadLetteredCounter(reason).increment();
    }

    /** The kinds of failure delivery met, each with its last sample; for the status page. */
    DeliveryFailures failures() {
        return failures;
    }

    private Counter deadLetteredCounter(Reason reason) {
        return deadLettered.computeIfAbsent(reason, why -> Counter.builder("refiner.delivery.dead.lettered")
                .description("Requests dead-lettered by delivery").tag("reason", why.name()).register(registry));
    }

    void answered(Duration took) {
        latency.record(took);
    }
}

package io.segmentrefiner.benchmark;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.app.DeliveryStage;
import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.delivery.DeliveryEngine;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RefinerStub.Answer;
import io.segmentrefiner.harness.RequestRecords;
import io.segmentrefiner.harness.TokenBucket;
import io.segmentrefiner.registry.InMemorySchemaRegistry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Delivery against a rate limiter, on a real broker: a stand-in that admits {@code rate} requests a second (a token
 * bucket with a tenth of a second of burst) and answers 429 with {@code Retry-After: 1} above it, with the requests
 * of {@code seconds} at that rate waiting on the requests topic; then a proxy that answers 10% of all requests with 429
 * at random, beside a run without it. Prints the steady goodput (2xx a second after the first five seconds, until 90%
 * are delivered), the share of 429s among all answers, and the time.
 *
 * <p>Run: {@code mvn -B -q -Pbenchmark-ratelimit test-compile exec:exec} ({@code -Dbenchmark.rates=400,2000},
 * {@code -Dbenchmark.seconds=30}).
 */
public final class RateLimitBenchmark {

    private static final Duration WARM_UP = Duration.ofSeconds(5);

    public static void main(String[] args) throws Exception {
        List<Double> rates = new ArrayList<>();
        for (String rate : (args.length > 0 ? args[0] : "400,2000").split(",")) {
            if (!rate.isBlank() && !rate.equals("none")) {
                rates.add(Double.parseDouble(rate.trim()));
            }
        }
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(RealInfrastructure.workDir("benchmark-ratelimit-kafka"))) {
            for (double rate : rates) {
                TokenBucket bucket = new TokenBucket(rate, 0.1);
                run(broker, String.format("token bucket at %,.0f/s", rate), (int) Math.max(12_000, rate * seconds), rate,
                        request -> bucket.admit() ? Answer.ok() : Answer.status(429).withRetryAfter("1"));
            }
            int requests = 60_000;
            double clean = run(broker, "no limit", requests, 0, request -> Answer.ok().after(Duration.ofMillis(20)));
            double noisy = run(broker, "10% random 429s, no limit", requests, 0, request -> ThreadLocalRandom.current().nextInt(10) == 0
                    ? Answer.status(429).withRetryAfter("1") : Answer.ok().after(Duration.ofMillis(20)));
            System.out.printf("random 429s: %.2f of the throughput without them%n", noisy / clean);
        }
    }

    /** @return the steady goodput, requests delivered a second */
    private static double run(KafkaBrokerProcess broker, String name, int requests, double limit,
                              Function<RefinerStub.Received, Answer> answer) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (RefinerStub stub = RefinerStub.start()) {
            stub.answer(answer);
            AppConfig config = AppConfig.of(Map.of(
                    AppConfig.BOOTSTRAP_SERVERS.key(), broker.bootstrapServers(),
                    AppConfig.SCHEMA_REGISTRY_URL.key(), "mock://ratelimit-benchmark",
                    AppConfig.REFINER_API_URL.key(), stub.url(),
                    AppConfig.REFINER_API_KEY.key(), "benchmark",
                    AppConfig.REQUESTS_TOPIC.key(), "refiner.requests." + run,
                    AppConfig.RETRY_TOPIC.key(), "refiner.requests.retry." + run,
                    AppConfig.DLQ_TOPIC.key(), "refiner.dlq." + run,
                    AppConfig.INPUT_TOPIC.key(), "segment.events." + run,
                    "application.id", "ratelimit-benchmark-" + run));
            TranslationStage.createMissingTopics(config);
            List<RefinerRequestRecord> waiting = new ArrayList<>(requests);
            for (int i = 0; i < requests; i++) {
                waiting.add(RequestRecords.track("m-" + i, "user-" + (i % 5_000), "Survey Shown"));
            }
            RequestRecords.produce(broker.bootstrapServers(), StageSettings.topics(config).requests(), InMemorySchemaRegistry.scope("ratelimit-benchmark"), waiting);

            long start = System.nanoTime();
            Instant steadyFrom = Instant.now().plus(WARM_UP);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            double learned;
            List<String> rates = new ArrayList<>();
            try (DeliveryEngine engine = DeliveryStage.start(config, meters)) {
                long nextSample = System.nanoTime();
                while (stub.delivered().size() < requests) {
                    TimeUnit.MILLISECONDS.sleep(20); // polling the stub's count
                    if (System.nanoTime() >= nextSample) {
                        nextSample += TimeUnit.SECONDS.toNanos(1);
                        double rate = meters.get("refiner.delivery.rate").gauge().value();
                        rates.add(rate == 0 ? "-" : String.format("%.0f", rate));
                    }
                }
                learned = meters.get("refiner.delivery.rate").gauge().value();
            }
            double total = (System.nanoTime() - start) / 1e9;
            List<RefinerStub.Received> delivered = stub.delivered();
            Instant steadyUntil = delivered.get(requests * 9 / 10).at();
            long steady = delivered.stream().filter(r -> !r.at().isBefore(steadyFrom) && r.at().isBefore(steadyUntil)).count();
            double goodput = steady / (Duration.between(steadyFrom, steadyUntil).toNanos() / 1e9);
            int received = stub.received().size();
            int throttled = received - delivered.size();
            System.out.printf("%s: %,d requests in %.1f s; steady goodput %,.0f/s%s; 429s %.1f%% of %,d requests; learned rate at the end %s%n",
                    name, requests, total, goodput, limit > 0 ? String.format(" (%.2f of the limit)", goodput / limit) : "",
                    100.0 * throttled / received, received, learned == 0 ? "none" : String.format("%,.0f/s", learned));
            System.out.println("  the learned rate each second (- for none): " + String.join(" ", rates));
            return goodput;
        }
    }
}

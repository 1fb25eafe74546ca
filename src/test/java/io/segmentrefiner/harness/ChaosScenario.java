package io.segmentrefiner.harness;

import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.RefinerStub.Answer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * Two {@code run} instances of one application on a broker of their own (a child JVM), with Apicurio and a Refiner
 * stand-in that fails 30% of first attempts with 500 and admits {@code rate} requests a second (429 above). While
 * they deliver, one instance is killed and started again, then the broker, then the registry hangs while the other
 * instance is killed and started again. Every event is reconciled by its messageId at the stand-in.
 */
public final class ChaosScenario {

    /** What came of the events. */
    public record Result(int events, Set<String> lost, long deadLettered, int duplicates, Map<String, List<Integer>> outOfOrder,
                         int firstAttemptsFailed, int throttled, double seconds) {
    }

    private ChaosScenario() {
    }

    public static Result run(int events, int contacts, double rate, Path work, PrintStream log) throws Exception {
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(work.resolve("kafka"));
             ApicurioRegistryProcess registry = ApicurioRegistryProcess.startDurable(work.resolve("apicurio"));
             RefinerStub stub = RefinerStub.start()) {
            TokenBucket limiter = new TokenBucket(rate, 0.1);
            Set<String> tried = ConcurrentHashMap.newKeySet();
            Set<String> failedFirst = ConcurrentHashMap.newKeySet();
            Set<String> throttled = ConcurrentHashMap.newKeySet();
            stub.answer(request -> {
                if (!limiter.admit()) {
                    throttled.add(request.idempotencyKey());
                    return Answer.status(429).withRetryAfter("1");
                }
                if (tried.add(request.idempotencyKey()) && ThreadLocalRandom.current().nextInt(100) < 30) {
                    failedFirst.add(request.idempotencyKey());
                    return Answer.status(500);
                }
                return Answer.ok().after(Duration.ofMillis(2));
            });
            Map<String, String> settings = PipelineSettings.forRun("chaos", broker, registry.url(), stub.url(), "rk_chaos");
            settings.put(AppConfig.TOPICS_PARTITIONS.key(), "6");
            settings.put(AppConfig.DELIVERY_RETRY_MAX_BACKOFF.key(), "2s");
            // A killed member's partitions wait this long before the others take them.
            settings.put("session.timeout.ms", "6000");
            AppConfig config = AppConfig.of(settings);
            Duration timeout = Duration.ofSeconds(180 + (long) (events / rate) * 2);
            try (RunningApplication a = instance("a", work, settings); RunningApplication b = instance("b", work, settings)) {
                a.awaitLog("Delivering ", timeout);
                b.awaitLog("Delivering ", timeout);
                long start = System.nanoTime();
                java.time.Instant startedAt = java.time.Instant.now();
                produce(broker, config, events, contacts);
                log.printf("Chaos: %,d events of %,d contacts produced; Refiner admits %,.0f a second%n", events, contacts, rate);

                awaitDelivered(stub, events / 5, timeout, a, b);
                log.printf("Chaos: at %.1f s, killing instance a (SIGKILL) and starting it again%n", (System.nanoTime() - start) / 1e9);
                a.kill();
                a.restart();

                awaitDelivered(stub, events * 2 / 5, timeout, a, b);
                log.printf("Chaos: at %.1f s, killing the broker (SIGKILL) and starting it again%n", (System.nanoTime() - start) / 1e9);
                broker.kill();
                broker.restart();

                awaitDelivered(stub, events * 3 / 5, timeout, a, b);
                log.printf("Chaos: at %.1f s, the registry hangs (SIGSTOP); killing instance b and starting it again meanwhile%n",
                        (System.nanoTime() - start) / 1e9);
                registry.hang();
                b.kill();
                b.restart();
                b.awaitStarted(timeout);
                Await.until("instance b to say it waits for the registry", timeout, () -> {
                    RunningApplication.Answer ready = b.get("/ready");
                    return ready.status() == 503 && ready.body().contains("schema registry");
                });
                registry.resume();
                log.printf("Chaos: at %.1f s, the registry answers again%n", (System.nanoTime() - start) / 1e9);

                awaitDelivered(stub, events, timeout, a, b);
                double seconds = (System.nanoTime() - start) / 1e9;
                // The last hand-over's owner may still be sending again what was done since the last commit, contact
                // by contact, in order: the order is judged once each contact's last acceptance is its last request.
                // A contact whose re-sending stopped half-way never gets there, and fails here.
                Await.until("every contact's last accepted request to be its last one", timeout, () -> {
                    a.assertAlive();
                    b.assertAlive();
                    return lastAcceptedIsLast(stub.delivered());
                });
                Set<String> delivered = delivered(stub);
                Set<String> lost = new HashSet<>();
                for (int i = 0; i < events; i++) {
                    if (!delivered.contains(messageId(i, contacts))) {
                        lost.add(messageId(i, contacts));
                    }
                }
                List<RefinerStub.Received> accepted = stub.delivered();
                Map<String, List<Integer>> outOfOrder = ContactOrder.violations(accepted, r -> RequestRecords.contactOf(r.body()),
                        ChaosScenario::sequenceOf);
                long deadLettered = TopicReader.countCommitted(broker.bootstrapServers(), StageSettings.topics(config).deadLetters());
                Result result = new Result(events, lost, deadLettered, accepted.size() - delivered.size(), outOfOrder,
                        failedFirst.size(), throttled.size(), seconds);
                outOfOrder.keySet().stream().limit(Integer.getInteger("chaos.samples", 0)).forEach(contact -> log.println("  " + contact + ": "
                        + accepted.stream().filter(r -> RequestRecords.contactOf(r.body()).equals(contact))
                        .map(r -> r.idempotencyKey().substring(r.idempotencyKey().lastIndexOf('-') + 1) + "@" + (Duration.between(startedAt, r.at()).toMillis() / 100) / 10.0)
                        .collect(Collectors.joining(" "))));
                log.println("Chaos: duplicate deliveries by the second they came in: " + duplicatesBySecond(accepted, startedAt));
                log.println("Chaos: " + duplicatesByKind(accepted, failedFirst, throttled));
                log.printf("Chaos: %,d events in %.1f s: %d lost, %d dead-lettered, %,d duplicate deliveries, %d contacts out of order; "
                                + "%,d first attempts answered 500, %,d requests answered 429%n", events, seconds, lost.size(), deadLettered,
                        result.duplicates(), outOfOrder.size(), failedFirst.size(), throttled.size());
                return result;
            }
        }
    }

    /** Where the duplicates came from: the phase they cluster in, and how long after the first acceptance each came. */
    private static Map<Long, String> duplicatesBySecond(List<RefinerStub.Received> accepted, java.time.Instant startedAt) {
        Map<String, java.time.Instant> first = new HashMap<>();
        Map<Long, List<Long>> gaps = new java.util.TreeMap<>();
        for (RefinerStub.Received received : accepted) {
            java.time.Instant before = first.putIfAbsent(received.idempotencyKey(), received.at());
            if (before != null) {
                gaps.computeIfAbsent(Duration.between(startedAt, received.at()).toSeconds(), s -> new java.util.ArrayList<>())
                        .add(Duration.between(before, received.at()).toSeconds());
            }
        }
        Map<Long, String> bySecond = new java.util.TreeMap<>();
        gaps.forEach((second, list) -> {
            java.util.Collections.sort(list);
            bySecond.put(second, list.size() + " (" + list.get(list.size() / 2) + " s after)");
        });
        return bySecond;
    }

    /** Whether the duplicates were requests that had waited in a line (answered 500 or 429 once) or not. */
    private static String duplicatesByKind(List<RefinerStub.Received> accepted, Set<String> failedFirst, Set<String> throttled) {
        Map<String, java.time.Instant> first = new HashMap<>();
        int retried = 0;
        int straight = 0;
        List<Long> gaps = new java.util.ArrayList<>();
        for (RefinerStub.Received received : accepted) {
            java.time.Instant before = first.putIfAbsent(received.idempotencyKey(), received.at());
            if (before != null) {
                gaps.add(Duration.between(before, received.at()).toMillis());
                if (failedFirst.contains(received.idempotencyKey()) || throttled.contains(received.idempotencyKey())) {
                    retried++;
                } else {
                    straight++;
                }
            }
        }
        java.util.Collections.sort(gaps);
        return "duplicates of requests that were retried " + retried + ", of requests never refused " + straight
                + (gaps.isEmpty() ? "" : "; between the two acceptances, median " + gaps.get(gaps.size() / 2) + " ms, max " + gaps.get(gaps.size() - 1) + " ms");
    }

    private static RunningApplication instance(String name, Path work, Map<String, String> shared) {
        Map<String, String> settings = new HashMap<>(shared);
        settings.put("state.dir", work.resolve(name + "-state").toString());
        return RunningApplication.start(name, work.resolve(name), settings, Map.of());
    }

    private static String messageId(int index, int contacts) {
        return "c" + (index % contacts) + "-" + (index / contacts);
    }

    /** Track events keyed by contact, each contact's in sequence, the contacts interleaved. */
    private static void produce(KafkaBrokerProcess broker, AppConfig config, int events, int contacts) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < events; i++) {
                String user = "user-" + (i % contacts);
                producer.send(new ProducerRecord<>(StageSettings.topics(config).input(), user, "{\"type\":\"track\",\"messageId\":\""
                        + messageId(i, contacts) + "\",\"userId\":\"" + user + "\",\"event\":\"Step " + (i / contacts) + "\"}"));
            }
            producer.flush();
        }
    }

    private static void awaitDelivered(RefinerStub stub, int count, Duration timeout, RunningApplication... instances) {
        try {
            Await.until(count + " events delivered", timeout, () -> {
                for (RunningApplication instance : instances) {
                    instance.assertAlive();
                }
                return delivered(stub).size() >= count;
            });
        } catch (AssertionError stalled) {
            StringBuilder state = new StringBuilder(stalled.getMessage()).append("; ").append(delivered(stub).size()).append(" delivered");
            for (RunningApplication instance : instances) {
                try {
                    state.append("\n").append(instance).append(": ").append(instance.get("/ready").body().strip());
                    instance.get("/metrics").body().lines().filter(line -> line.startsWith("refiner_delivery") && !line.contains("bucket"))
                            .forEach(line -> state.append("\n  ").append(line));
                    state.append("\n  threads: ").append(instance.dumpThreads());
                } catch (Exception unreachable) {
                    state.append("\n").append(instance).append(": ").append(unreachable);
                }
            }
            throw new AssertionError(state.toString(), stalled);
        }
    }

    /** Called once every request was accepted: each contact's highest request is then its last produced. */
    private static boolean lastAcceptedIsLast(List<RefinerStub.Received> accepted) {
        Map<String, Integer> last = new HashMap<>();
        Map<String, Integer> highest = new HashMap<>();
        for (RefinerStub.Received request : accepted) {
            last.put(RequestRecords.contactOf(request.body()), sequenceOf(request));
            highest.merge(RequestRecords.contactOf(request.body()), sequenceOf(request), Math::max);
        }
        return last.equals(highest);
    }

    private static int sequenceOf(RefinerStub.Received request) {
        return Integer.parseInt(request.idempotencyKey().substring(request.idempotencyKey().lastIndexOf('-') + 1));
    }

    private static Set<String> delivered(RefinerStub stub) {
        return stub.delivered().stream().map(RefinerStub.Received::idempotencyKey).collect(Collectors.toSet());
    }
}

package io.segmentrefiner.benchmark;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RunningApplication;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Latency and cost per event at a steady rate, as users run it: events trickle in and each should reach Refiner
 * soon. One {@code run --role all} (a child JVM) on a broker of its own (a child JVM, on the same cores), delivering
 * to a Refiner stand-in in this JVM that answers every request after 5 ms; a producer in this JVM, with a producer's
 * default settings, sends track events of 5,000 users at a fixed rate.
 *
 * <p>After {@code warmUp} events (at 1,000 a second, all delivered), for each rate: {@code seconds} of events at that
 * rate, then the wait until all are delivered. Per rate it prints the end-to-end latency (from the moment an event
 * was due to be written to the topic to its request's arrival at the stand-in) p50, p99 and max, the requests that
 * arrived per second over time, and the CPU seconds per event of the application and of the broker, from the
 * processes' own accounting ({@code /proc}, through {@link ProcessHandle}), between the rate's first event and its
 * last delivery, in all and by thread role (the JIT compiler's threads apart: they compile for minutes after start).
 * It also prints what both use idle, before the load and after it.
 *
 * <p>Run: {@code mvn -B -q -Pbenchmark-steady -DskipTests package exec:exec} ({@code -Dbenchmark.rates=500,1000,2000
 * -Dbenchmark.seconds=60 -Dbenchmark.warmUp=20000}; {@code -Dbenchmark.settings=key=value,...} adds settings to
 * {@code run}'s file, to try a trade-off).
 */
public final class SteadyRateBenchmark {

    private static final int CONTACTS = 5_000;
    private static final Duration ANSWER_AFTER = Duration.ofMillis(5);
    private static final Duration IDLE = Duration.ofSeconds(10);

    public static void main(String[] args) throws Exception {
        int[] rates = Arrays.stream((args.length > 0 ? args[0] : "500,1000,2000").split(",")).mapToInt(Integer::parseInt).toArray();
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int warmUp = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        Map<String, String> extra = ExtraSettings.from(args, 3);
        int total = warmUp + Arrays.stream(rates).map(rate -> rate * seconds).sum();
        Path work = RealInfrastructure.workDir("benchmark-steady");
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(work.resolve("kafka"));
             StandIn standIn = StandIn.start(total)) {
            Map<String, String> settings = PipelineSettings.forRun("steady-benchmark", broker);
            settings.remove(AppConfig.DELIVERY_RETRY_INITIAL_BACKOFF.key()); // the defaults, as a user runs it
            settings.remove(AppConfig.DELIVERY_RETRY_MAX_BACKOFF.key());
            settings.put(AppConfig.SCHEMA_REGISTRY_URL.key(), "kafka://_schemas-" + PipelineSettings.runOf(settings));
            settings.put(AppConfig.REFINER_API_URL.key(), standIn.url());
            settings.put(AppConfig.REFINER_API_KEY.key(), "benchmark");
            settings.put(AppConfig.TOPICS_PARTITIONS.key(), "6");
            settings.putAll(extra);
            System.out.printf("settings added to run's: %s%n", extra.isEmpty() ? "none" : extra);
            try (RunningApplication app = RunningApplication.start("steady-benchmark", work, settings, Map.of());
                 KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                         broker.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
                app.awaitLog("Delivery status page on", Duration.ofSeconds(120));
                String topic = settings.get(AppConfig.INPUT_TOPIC.key());
                Cpu cpu = new Cpu(app.pid(), broker.pid());

                printIdle("idle after start", cpu);

                int first = 0;
                Phase warm = Phase.run("warm-up", producer, topic, standIn, app, first, warmUp, 1_000);
                System.out.printf("warm-up: %,d events at 1,000/s, all delivered after %.1f s%n", warmUp, warm.seconds());
                first += warmUp;
                for (int rate : rates) {
                    Cpu.Reading from = cpu.read();
                    Phase phase = Phase.run(rate + "/s", producer, topic, standIn, app, first, rate * seconds, rate);
                    Cpu.Reading to = cpu.read();
                    phase.print(standIn, from, to);
                    first += rate * seconds;
                }
                printIdle("idle after the load", cpu);
                System.out.printf("requests received more than once (re-sent): %,d%n", standIn.repeats.get());
            }
        }
    }

    private static void printIdle(String when, Cpu cpu) throws InterruptedException {
        Cpu.Reading from = cpu.read();
        TimeUnit.NANOSECONDS.sleep(IDLE.toNanos()); // nothing to wait for: this is the idle time measured
        Cpu.Reading to = cpu.read();
        System.out.printf("%s, %d s: application %.1f%% of a core (%.1f%% without the JIT compiler), broker %.1f%% (%.1f%%)%n",
                when, IDLE.toSeconds(), 100 * to.appSecondsSince(from) / IDLE.toSeconds(), 100 * to.appWithoutJitSince(from) / IDLE.toSeconds(),
                100 * to.brokerSecondsSince(from) / IDLE.toSeconds(), 100 * to.brokerWithoutJitSince(from) / IDLE.toSeconds());
    }

    /** One rate: {@code count} events from sequence number {@code first}, each due at its slot, then the wait until all arrived. */
    private record Phase(String name, int first, int count, int rate, long startNanos, long endNanos) {

        static Phase run(String name, KafkaProducer<String, String> producer, String topic, StandIn standIn, RunningApplication app,
                         int first, int count, int rate) {
            long period = TimeUnit.SECONDS.toNanos(1) / rate;
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                long due = start + i * period;
                long now;
                while ((now = System.nanoTime()) < due) {
                    LockSupport.parkNanos(due - now);
                }
                int sequence = first + i;
                standIn.due(sequence, due); // latency counts from when it was due, so that a late send is not hidden
                String contact = "user-" + (sequence % CONTACTS);
                producer.send(new ProducerRecord<>(topic, contact, event(sequence, contact)));
            }
            Await.until(name + ": every event delivered", Duration.ofMinutes(15), () -> {
                app.assertAlive();
                return standIn.arrivedAmong(first, count) == count;
            });
            return new Phase(name, first, count, rate, start, standIn.lastArrivalAmong(first, count));
        }

        double seconds() {
            return (endNanos - startNanos) / 1e9;
        }

        void print(StandIn standIn, Cpu.Reading from, Cpu.Reading to) {
            double appCpu = to.appSecondsSince(from);
            double brokerCpu = to.brokerSecondsSince(from);
            long[] latencies = new long[count];
            for (int i = 0; i < count; i++) {
                latencies[i] = standIn.latencyNanos(first + i);
            }
            Arrays.sort(latencies);
            System.out.printf("%,d events/s for %d s (%,d events): end to end p50 %.0f ms, p99 %.0f ms, max %.0f ms; "
                            + "all delivered %.1f s after the first was due%n",
                    rate, count / rate, count, at(latencies, 0.50) / 1e6, at(latencies, 0.99) / 1e6, latencies[count - 1] / 1e6, seconds());
            System.out.printf("  CPU per event: application %.3f ms (%.1f s), broker %.3f ms (%.1f s); without the JIT compiler's"
                            + " threads: application %.3f ms, broker %.3f ms%n",
                    1e3 * appCpu / count, appCpu, 1e3 * brokerCpu / count, brokerCpu,
                    1e3 * to.appWithoutJitSince(from) / count, 1e3 * to.brokerWithoutJitSince(from) / count);
            System.out.printf("  by thread, per event:%s%n", to.byRoleSince(from, count));
            int buckets = (int) Math.ceil(seconds() / 5);
            int[] perBucket = new int[buckets];
            for (int i = 0; i < count; i++) {
                int bucket = (int) ((standIn.arrivalNanos(first + i) - startNanos) / TimeUnit.SECONDS.toNanos(5));
                perBucket[Math.max(0, Math.min(buckets - 1, bucket))]++;
            }
            StringBuilder series = new StringBuilder("  delivered per second, by 5 s from the first event due:");
            for (int bucket : perBucket) {
                series.append(' ').append(bucket / 5);
            }
            System.out.println(series);
        }

        private static long at(long[] sorted, double quantile) {
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)];
        }
    }

    private static String event(int sequence, String contact) {
        return "{\"type\":\"track\",\"messageId\":\"steady-" + sequence + "\",\"userId\":\"" + contact + "\",\"event\":\"Survey Shown\","
                + "\"timestamp\":\"2026-12-05T12:00:00.000Z\",\"properties\":{\"survey\":\"nps\",\"step\":" + sequence + "},"
                + "\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"5.2.0\"},\"locale\":\"en-US\","
                + "\"page\":{\"path\":\"/app/settings\",\"url\":\"https://app.example.com/app/settings\",\"title\":\"Settings\"},"
                + "\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36\"}}";
    }

    /**
     * CPU seconds of the application's and the broker's processes, as the kernel accounts them, and by thread role
     * as each JVM accounts its threads: the JIT compiler's share apart, since it keeps compiling for minutes.
     */
    private record Cpu(long appPid, long brokerPid) {

        record Reading(double app, double broker, ThreadCpu.Snapshot appThreads, ThreadCpu.Snapshot brokerThreads) {
            double appSecondsSince(Reading earlier) {
                return app - earlier.app;
            }

            double brokerSecondsSince(Reading earlier) {
                return broker - earlier.broker;
            }

            /** Each role's CPU per event, in ms, roles with none left out; the JIT's and the GC's included. */
            String byRoleSince(Reading earlier, int events) {
                StringBuilder line = new StringBuilder();
                appendRoles(line, "application", appThreads.secondsSince(earlier.appThreads), events);
                appendRoles(line, "broker", brokerThreads.secondsSince(earlier.brokerThreads), events);
                return line.toString();
            }

            double appWithoutJitSince(Reading earlier) {
                return appSecondsSince(earlier) - appThreads.secondsSince(earlier.appThreads).get(ThreadCpu.Role.JIT);
            }

            double brokerWithoutJitSince(Reading earlier) {
                return brokerSecondsSince(earlier) - brokerThreads.secondsSince(earlier.brokerThreads).get(ThreadCpu.Role.JIT);
            }

            private static void appendRoles(StringBuilder line, String process, Map<ThreadCpu.Role, Double> byRole, int events) {
                line.append(String.format("%n    %s:", process));
                byRole.forEach((role, seconds) -> {
                    if (seconds >= 0.005) {
                        line.append(String.format(" %s %.3f ms;", role.description, 1e3 * seconds / events));
                    }
                });
            }
        }

        Reading read() {
            return new Reading(ThreadCpu.processSeconds(appPid), ThreadCpu.processSeconds(brokerPid), ThreadCpu.of(appPid), ThreadCpu.of(brokerPid));
        }
    }

    /**
     * A Refiner stand-in that answers every request 200 after 5 ms and keeps, per event, only when it was due and when
     * its request first arrived: the harness's stub keeps every request, which at these rates costs this machine more
     * than the measurement can spare.
     */
    private static final class StandIn implements AutoCloseable {

        private final HttpServer server;
        private final ExecutorService threads = Executors.newFixedThreadPool(64);
        private final AtomicLongArray due;
        private final AtomicLongArray arrived;
        private final AtomicLong repeats = new AtomicLong();

        private StandIn(HttpServer server, int events) {
            this.server = server;
            this.due = new AtomicLongArray(events);
            this.arrived = new AtomicLongArray(events);
        }

        static StandIn start(int events) throws IOException {
            System.setProperty("sun.net.httpserver.nodelay", "true"); // as RefinerStub: no delayed-ACK stall per request
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
            StandIn standIn = new StandIn(server, events);
            server.createContext("/", standIn::handle);
            server.setExecutor(standIn.threads);
            server.start();
            return standIn;
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        void due(int sequence, long nanos) {
            due.set(sequence, nanos);
        }

        int arrivedAmong(int first, int count) {
            int arrivedCount = 0;
            for (int i = first; i < first + count; i++) {
                arrivedCount += arrived.get(i) == 0 ? 0 : 1;
            }
            return arrivedCount;
        }

        long lastArrivalAmong(int first, int count) {
            long last = 0;
            for (int i = first; i < first + count; i++) {
                last = Math.max(last, arrived.get(i));
            }
            return last;
        }

        long arrivalNanos(int sequence) {
            return arrived.get(sequence);
        }

        long latencyNanos(int sequence) {
            return arrived.get(sequence) - due.get(sequence);
        }

        private void handle(HttpExchange exchange) throws IOException {
            long now = System.nanoTime();
            exchange.getRequestBody().readAllBytes();
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            if (key != null && key.startsWith("steady-")) {
                int sequence = Integer.parseInt(key.substring("steady-".length()));
                if (!arrived.compareAndSet(sequence, 0, now)) {
                    repeats.incrementAndGet();
                }
            }
            try {
                Thread.sleep(ANSWER_AFTER.toMillis()); // Refiner's time to answer, on a thread of the stand-in's own
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "{\"success\":true}".getBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        }

        @Override
        public void close() {
            server.stop(0);
            threads.shutdownNow();
        }
    }
}

package io.segmentrefiner.benchmark;

import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RunningApplication;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What the status page costs {@code run}: one instance ({@code --role all}) on a broker of its own, delivering to a
 * stand-in that accepts everything, drains {@code events} track events of 5,000 contacts while a reader asks for
 * {@code /status.json} every 200 ms (five pages open, each refreshing every second). Prints the time to deliver them
 * all, {@code /status.json}'s latency, and the CPU time of the process and of the thread that keeps the page current
 * ({@code segment-refiner-status}, from {@code jcmd Thread.print}'s {@code cpu=}), with its share.
 *
 * <p>Run: {@code mvn -B -q -Pbenchmark-status -DskipTests package exec:exec} ({@code -Dbenchmark.events=N}).
 */
public final class StatusPageBenchmark {

    private static final String STATUS_THREAD = "segment-refiner-status";

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int readEveryMillis = args.length > 1 ? Integer.parseInt(args[1]) : 200; // 0: nobody reads the page
        Path work = RealInfrastructure.workDir("benchmark-status");
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(work.resolve("kafka"));
             RefinerStub stub = RefinerStub.start()) {
            Map<String, String> settings = PipelineSettings.forRun("status-benchmark", broker);
            settings.put(AppConfig.SCHEMA_REGISTRY_URL.key(), "kafka://_schemas-" + PipelineSettings.runOf(settings));
            settings.put(AppConfig.REFINER_API_URL.key(), stub.url());
            settings.put(AppConfig.REFINER_API_KEY.key(), "benchmark");
            settings.put(AppConfig.TOPICS_PARTITIONS.key(), "6");
            try (RunningApplication app = RunningApplication.start("status-benchmark", work, settings, Map.of())) {
                app.awaitLog("Delivery status page on", Duration.ofSeconds(120));
                List<Long> latenciesMicros = Collections.synchronizedList(new ArrayList<>());
                ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor();
                Runnable read = () -> {
                    long start = System.nanoTime();
                    try {
                        if (app.get("/status.json").status() == 200) {
                            latenciesMicros.add((System.nanoTime() - start) / 1_000);
                        }
                    } catch (Exception e) {
                        // counted as missing: the summary says how many answered
                    }
                };
                if (readEveryMillis > 0) {
                    reader.scheduleAtFixedRate(read, 0, readEveryMillis, TimeUnit.MILLISECONDS);
                }

                double cpuBefore = ThreadCpu.processSeconds(app.pid());
                double statusBefore = ThreadCpu.of(app.pid()).millisOf(STATUS_THREAD);
                long started = System.nanoTime();
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 20), new StringSerializer(), new StringSerializer())) {
                    for (int i = 0; i < events; i++) {
                        String contact = "user-" + (i % 5_000);
                        producer.send(new ProducerRecord<>(settings.get(AppConfig.INPUT_TOPIC.key()), contact,
                                "{\"type\":\"track\",\"messageId\":\"m-" + i + "\",\"userId\":\"" + contact + "\",\"event\":\"Survey Shown\","
                                        + "\"properties\":{\"step\":" + i + "}}"));
                    }
                }
                Await.until("every event delivered", Duration.ofMinutes(20), () -> {
                    app.assertAlive();
                    return stub.delivered().size() >= events;
                });
                double seconds = (System.nanoTime() - started) / 1e9;
                long cpu = Math.round(1e3 * (ThreadCpu.processSeconds(app.pid()) - cpuBefore));
                double status = ThreadCpu.of(app.pid()).millisOf(STATUS_THREAD) - statusBefore;
                reader.shutdownNow();

                List<Long> sorted = new ArrayList<>(latenciesMicros);
                Collections.sort(sorted);
                System.out.printf("%,d events delivered in %.1f s (%,.0f a second)%n", events, seconds, events / seconds);
                if (!sorted.isEmpty()) {
                    System.out.printf("/status.json read %,d times: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", sorted.size(),
                            at(sorted, 0.50) / 1e3, at(sorted, 0.99) / 1e3, sorted.get(sorted.size() - 1) / 1e3);
                }
                System.out.printf("CPU of the process %.1f s; of segment-refiner-status %.3f s (%.3f%%)%n",
                        cpu / 1e3, status / 1e3, 100.0 * status / cpu);
            }
        }
    }

    private static long at(List<Long> sorted, double quantile) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(quantile * sorted.size()) - 1));
    }
}

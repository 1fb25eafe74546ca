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
import io.segmentrefiner.registry.ConfluentAvroSerde;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import io.segmentrefiner.harness.RequestRecords;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Delivery throughput through a real broker against a stub that answers after a fixed 20 ms, beside a bare
 * HttpClient 5 async loop with the same number of requests in flight to the same stub.
 *
 * <p>Run: {@code mvn -B -q -Pbenchmark-delivery test-compile exec:exec} (requests: {@code -Dbenchmark.requests=N}).
 */
public final class DeliveryBenchmark {

    private static final Duration LATENCY = Duration.ofMillis(20);
    private static final int IN_FLIGHT = 64;

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 60_000;
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(RealInfrastructure.workDir("benchmark-delivery-kafka"));
             RefinerStub stub = RefinerStub.start()) {
            stub.answer(request -> RefinerStub.Answer.ok().after(LATENCY));
            AppConfig config = AppConfig.of(Map.of(
                    AppConfig.BOOTSTRAP_SERVERS.key(), broker.bootstrapServers(),
                    AppConfig.SCHEMA_REGISTRY_URL.key(), "mock://delivery-benchmark",
                    AppConfig.REFINER_API_URL.key(), stub.url(),
                    AppConfig.REFINER_API_KEY.key(), "benchmark",
                    AppConfig.DELIVERY_MAX_IN_FLIGHT.key(), Integer.toString(IN_FLIGHT),
                    "application.id", "delivery-benchmark"));
            TranslationStage.createMissingTopics(config);
            produce(config, requests);
            System.out.printf("Produced %,d requests to %s; the stub answers after %d ms; %d in flight%n",
                    requests, StageSettings.topics(config).requests(), LATENCY.toMillis(), IN_FLIGHT);

            double bare = bareLoop(stub.url(), requests);
            int before = stub.delivered().size();
            long start = System.nanoTime();
            try (DeliveryEngine engine = DeliveryStage.start(config, new SimpleMeterRegistry())) {
                while (stub.delivered().size() - before < requests) {
                    TimeUnit.MILLISECONDS.sleep(20); // polling the stub's count
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double delivery = requests / seconds;
                System.out.printf("bare HttpClient loop: %,.0f requests/s%ndelivery:             %,.0f requests/s (%.1f s)%nratio:                %.2f%n",
                        bare, delivery, seconds, delivery / bare);
            }
        }
    }

    private static void produce(AppConfig config, int count) throws Exception {
        ConfluentAvroSerde<RefinerRequestRecord> serde = new ConfluentAvroSerde<>(
                InMemorySchemaRegistry.scope("delivery-benchmark"), RefinerRequestRecord.getClassSchema());
        try (KafkaProducer<String, RefinerRequestRecord> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers().orElseThrow(),
                ProducerConfig.LINGER_MS_CONFIG, 20), new StringSerializer(), serde.serializer())) {
            for (int i = 0; i < count; i++) {
                String contact = "user-" + (i % 5_000);
                producer.send(new ProducerRecord<>(StageSettings.topics(config).requests(), contact, RequestRecords.track("m-" + i, contact, "Survey Shown")));
            }
            producer.flush();
        }
    }

    /** The same requests, straight from memory to the stub, {@code IN_FLIGHT} at a time. */
    private static double bareLoop(String url, int count) throws Exception {
        try (CloseableHttpAsyncClient http = HttpAsyncClients.custom()
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(IN_FLIGHT).setMaxConnPerRoute(IN_FLIGHT).build())
                .disableAutomaticRetries().build()) {
            http.start();
            Semaphore slots = new Semaphore(IN_FLIGHT);
            CountDownLatch done = new CountDownLatch(count);
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                slots.acquire();
                http.execute(SimpleRequestBuilder.post(url + "/v1/track-event")
                        .setHeader("Authorization", "Bearer benchmark")
                        .setBody("{\"id\":\"user-" + (i % 5_000) + "\",\"event\":\"Survey Shown\"}", ContentType.APPLICATION_JSON)
                        .build(), new FutureCallback<SimpleHttpResponse>() {
                    @Override
                    public void completed(SimpleHttpResponse response) {
                        slots.release();
                        done.countDown();
                    }

                    @Override
                    public void failed(Exception e) {
                        slots.release();
                        done.countDown();
                    }

                    @Override
                    public void cancelled() {
                        failed(null);
                    }
                });
            }
            done.await();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("bare loop: %,d requests in %.1f s%n", count, seconds);
            return count / seconds;
        }
    }
}

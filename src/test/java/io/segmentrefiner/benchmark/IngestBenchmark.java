package io.segmentrefiner.benchmark;

import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.ingest.IngestServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP Tracking API's throughput: a load generator on loopback posts {@code /v1/batch} calls of 100 realistic
 * events, several at once, to the ingestion server, which answers each only after the broker (a real one, a child
 * JVM) acknowledged its events. The rate counts events answered 200.
 *
 * <p>Run: {@code mvn -B -q -Pbenchmark-ingest test-compile exec:exec} (events: {@code -Dbenchmark.events=N}).
 */
public final class IngestBenchmark {

    private static final int BATCH = 100;
    private static final int CONCURRENT = 16;

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(RealInfrastructure.workDir("benchmark-ingest-kafka"))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("segment.events", 6, (short) 1))).all().get();
            }
            try (IngestServer server = IngestServer.start("127.0.0.1", 0, Set.of("wk_bench"), "segment.events",
                    Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                List<byte[]> bodies = batches(events);
                System.out.printf("%,d events in %,d batch calls of %d (%,d bytes a call on average), %d calls at once%n",
                        events, bodies.size(), BATCH, bodies.stream().mapToLong(b -> b.length).sum() / bodies.size(), CONCURRENT);
                send(server.port(), bodies.subList(0, Math.min(50, bodies.size())));  // warm-up, not counted
                long start = System.nanoTime();
                int accepted = send(server.port(), bodies);
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("ingest: %,d events accepted (200) in %.1f s: %,.0f events/s%n", accepted * BATCH, seconds, accepted * BATCH / seconds);
            }
        }
    }

    private static List<byte[]> batches(int events) {
        RealisticEvents generator = new RealisticEvents(7, 50_000);
        List<byte[]> bodies = new ArrayList<>();
        for (int sent = 0; sent < events; sent += BATCH) {
            StringBuilder body = new StringBuilder("{\"batch\":[");
            for (int i = 0; i < BATCH; i++) {
                body.append(i == 0 ? "" : ",").append(new String(generator.next().value(), StandardCharsets.UTF_8));
            }
            bodies.add(body.append("],\"sentAt\":\"2026-11-28T10:00:00.120Z\"}").toString().getBytes(StandardCharsets.UTF_8));
        }
        return bodies;
    }

    /** Posts every body, {@code CONCURRENT} at a time; returns how many were answered 200. */
    private static int send(int port, List<byte[]> bodies) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String authorization = "Basic " + Base64.getEncoder().encodeToString("wk_bench:".getBytes(StandardCharsets.UTF_8));
        Semaphore slots = new Semaphore(CONCURRENT);
        AtomicInteger ok = new AtomicInteger();
        List<CompletableFuture<?>> calls = new ArrayList<>();
        for (byte[] body : bodies) {
            slots.acquire();
            calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/batch"))
                            .header("Authorization", authorization).header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                slots.release();
                if (error == null && response.statusCode() == 200) {
                    ok.incrementAndGet();
                }
            }));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
        return ok.get();
    }
}

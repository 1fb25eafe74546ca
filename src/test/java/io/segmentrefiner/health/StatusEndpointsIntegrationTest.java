package io.segmentrefiner.health;

import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.ChildProcess;
import io.segmentrefiner.harness.FreePorts;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code run}'s /health, /ready and /metrics, on a real broker that the test stops and starts again. */
class StatusEndpointsIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private KafkaBrokerProcess broker;
    private ChildProcess app;
    private RefinerStub stub;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void tearDown() {
        if (app != null) {
            app.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (stub != null) {
            stub.close();
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        app.assertAlive();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The metric names in docker/monitoring's rules and dashboard, as they would be scraped. */
    private static Set<String> metricsUsedByTheAlertsAndTheDashboard() throws Exception {
        Set<String> names = new TreeSet<>();
        for (Path file : List.of(Path.of("docker/monitoring/alerts.yml"), Path.of("docker/monitoring/grafana/dashboards/segment-refiner.json"))) {
            Matcher metric = Pattern.compile("\\b(?:segment_)?refiner_[a-z_]+").matcher(Files.readString(file));
            while (metric.find()) {
                names.add(metric.group().replaceAll("_(bucket|count|sum)$", ""));
            }
        }
        assertThat(names).as("names found in the files").contains("refiner_translation_events_total", "refiner_consumer_lag_records");
        return names;
    }

    @Test
    void readinessFollowsTheBrokerAndMetricsArePrometheusText() throws Exception {
        Path work = RealInfrastructure.workDir("status-endpoints");
        broker = KafkaBrokerProcess.start(work.resolve("kafka"));
        stub = RefinerStub.start();
        int port = FreePorts.next();
        Properties settings = new Properties();
        settings.putAll(Map.of(AppConfig.BOOTSTRAP_SERVERS.key(), broker.bootstrapServers(),
                AppConfig.SCHEMA_REGISTRY_URL.key(), "mock://status-test",
                AppConfig.REFINER_API_URL.key(), stub.url(),
                AppConfig.REFINER_API_KEY.key(), "rk_status_test_secret",
                AppConfig.HTTP_PORT.key(), Integer.toString(port),
                AppConfig.TOPICS_PARTITIONS.key(), "2",
                "state.dir", work.resolve("state").toString()));
        Path config = work.resolve("refiner.properties");
        try (Writer writer = Files.newBufferedWriter(config)) {
            settings.store(writer, null);
        }
        app = ChildProcess.start("segment-refiner", List.of(ChildProcess.currentJava().toString(), "-Xmx768m", "-jar",
                Path.of("target", "segment-refiner.jar").toAbsolutePath().toString(), "run", "--config", config.toString()),
                Map.of(), work, work.resolve("app.log"));
        Await.until("the endpoints to be announced", TIMEOUT, () -> {
            app.assertAlive();
            return app.logText().contains("/health, /ready and /metrics");
        });

        Await.until("ready", TIMEOUT, () -> get(port, "/ready").statusCode() == 200);
        // Ready while Kafka Streams still rebalances; once it settles, /health shows it running.
        HttpResponse<String> health = Await.until("translation running", TIMEOUT, () -> {
            HttpResponse<String> answer = get(port, "/health");
            return answer.body().contains("\"translation\":\"RUNNING\"") ? answer : null;
        });
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"delivery\":\"RUNNING\"");
        HttpResponse<String> metrics = get(port, "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(metrics.body()).contains("# TYPE refiner_delivery_delivered_total counter")
                .contains("refiner_delivery_latency_seconds_bucket")
                .contains("kafka_stream_")
                .contains("segment_refiner_ready 1.0")
                .doesNotContain("rk_status_test_secret");
        // Every outcome is there from the start, at 0, so that rates and alerts see the first one (docs/operations.md).
        assertThat(metrics.body()).contains("# TYPE refiner_translation_events_total counter")
                .containsPattern("(?m)^refiner_translation_events_total\\{outcome=\"skipped\",reason=\"DISABLED\"} 0\\.0$")
                .containsPattern("(?m)^refiner_translation_events_total\\{outcome=\"request\",reason=\"NONE\"} 0\\.0$")
                .containsPattern("(?m)^refiner_translation_events_total\\{outcome=\"dead_lettered\",reason=\"PROCESSING_ERROR\"} 0\\.0$")
                .containsPattern("(?m)^refiner_delivery_dead_lettered_total\\{reason=\"RETRIES_EXHAUSTED\"} 0\\.0$");
        Await.until("the lag and the dead letters waiting read once", TIMEOUT, () -> {
            String text = get(port, "/metrics").body();
            return text.matches("(?s).*\nrefiner_consumer_lag_records\\{stage=\"translate\"} \\d.*")
                    && text.matches("(?s).*\nrefiner_dead_letters_waiting\\{reason=\"HTTP_4XX\",stage=\"deliver\"} 0\\.0.*");
        });
        String scraped = get(port, "/metrics").body();
        assertThat(metricsUsedByTheAlertsAndTheDashboard()).as("every metric docker/monitoring's alerts and dashboard query")
                .allSatisfy(name -> assertThat(scraped).containsPattern("(?m)^" + name + "(_bucket)?[{ ]"));
        HttpResponse<String> page = get(port, "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.body()).as("everything the page needs ships in the jar").doesNotContainPattern("(src|href)=\"(https?:)?//");

        broker.stop();
        HttpResponse<String> notReady = Await.until("not ready without a broker", TIMEOUT, () -> {
            HttpResponse<String> ready = get(port, "/ready");
            return ready.statusCode() == 503 ? ready : null;
        });
        assertThat(notReady.body()).contains("NOT_READY").contains("kafka: the brokers do not answer");
        HttpResponse<String> stillLive = get(port, "/health");
        assertThat(stillLive.statusCode()).as("a broker outage is no reason to restart").isEqualTo(200);
        assertThat(stillLive.body()).contains("\"kafka\":\"UNREACHABLE\"");
        assertThat(get(port, "/metrics").body()).contains("segment_refiner_ready 0.0");
        HttpResponse<String> statusWithoutBroker = get(port, "/status.json");
        assertThat(statusWithoutBroker.statusCode()).as("the status page reads what the instance holds; it does not wait for Kafka").isEqualTo(200);
        assertThat(statusWithoutBroker.body()).contains("kafka: the brokers do not answer").doesNotContain("rk_status_test_secret");

        broker.restart();
        Await.until("ready again", TIMEOUT, () -> get(port, "/ready").statusCode() == 200);
        assertThat(app.logText()).doesNotContain("rk_status_test_secret");
    }
}

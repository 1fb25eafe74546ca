package io.segmentrefiner.cli;

import io.segmentrefiner.deadletter.TextHeaders;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.deadletter.DeadLetterHeaders;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.ChildProcess;
import io.segmentrefiner.harness.FreePorts;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.TopicReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java -jar target/segment-refiner.jar run} with no bootstrap servers: the embedded default, a real
 * single-node broker inside the application's process, reached by a client from outside it.
 */
class RunCommandIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Path JAR = Path.of("target", "segment-refiner.jar");

    private ChildProcess app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    private int ingestPort;

    private ChildProcess startRun(int port, Path dataDir, Path workDir, String logName) {
        ingestPort = FreePorts.next();
        assertThat(JAR).as("the runnable jar, built by mvn package").exists();
        return ChildProcess.start("segment-refiner run",
                List.of(ChildProcess.currentJava().toString(), "-Xmx768m", "-jar", JAR.toAbsolutePath().toString(), "run"),
                Map.of("EMBEDDED_BROKER_PORT", Integer.toString(port), "EMBEDDED_DATA_DIR", dataDir.toString(),
                        "TOPICS_PARTITIONS", "2", "HTTP_PORT", "0",
                        "INGEST_ENABLED", "true", "INGEST_PORT", Integer.toString(ingestPort), "INGEST_WRITE_KEYS", "wk_run_test"),
                workDir, workDir.resolve(logName));
    }

    @Test
    void runsOnTheEmbeddedDefaultAndStopsCleanlyOnSigterm() throws Exception {
        int port = FreePorts.adjacentPair();
        Path work = RealInfrastructure.workDir("run-embedded");
        Path data = work.resolve("kafka-data");
        app = startRun(port, data, work, "run-1.log");
        Await.until("run to say it is translating and ingesting", TIMEOUT, () -> {
            app.assertAlive();
            return app.logText().contains("Translating segment.events to refiner.requests") && app.logText().contains("Segment HTTP Tracking API on");
        });
        assertThat(app.logText()).contains("Started an embedded Kafka broker on 127.0.0.1:" + port)
                .contains("Schema registry: kafka://_schemas");
        String bootstrap = "127.0.0.1:" + port;

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("segment.events", "a", """
                    {"type":"track","messageId":"e-1","userId":"u-1","event":"Survey Shown"}""")).get();
            producer.send(new ProducerRecord<>("segment.events", "b", """
                    {"type":"identify","messageId":"e-2"}""")).get();
        }

        HttpResponse<String> tracked = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + ingestPort + "/v1/identify"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("wk_run_test:".getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"u-2\",\"messageId\":\"e-3\",\"traits\":{\"plan\":\"pro\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tracked.statusCode()).as(tracked.body()).isEqualTo(200);

        List<ConsumerRecord<String, byte[]>> requests = TopicReader.read(bootstrap, "refiner.requests", 2, TIMEOUT,
                new StringDeserializer(), new ByteArrayDeserializer());
        assertThat(requests).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("u-1", "u-2");
        ConsumerRecord<String, byte[]> request = requests.stream().filter(r -> r.key().equals("u-1")).findFirst().orElseThrow();
        assertThat(request.value()[0]).as("Confluent magic byte").isZero();
        RefinerRequestRecord decoded = new SpecificDatumReader<>(RefinerRequestRecord.class)
                .read(null, DecoderFactory.get().binaryDecoder(request.value(), 5, request.value().length - 5, null));
        assertThat(decoded.getPath()).isEqualTo("/v1/track-event");
        assertThat(decoded.getBody()).isEqualTo("{\"id\":\"u-1\",\"event\":\"Survey Shown\"}");
        ConsumerRecord<byte[], byte[]> deadLetter = TopicReader.read(bootstrap, "refiner.dlq", 1, TIMEOUT,
                new ByteArrayDeserializer(), new ByteArrayDeserializer()).get(0);
        assertThat(TextHeaders.read(deadLetter.headers(), DeadLetterHeaders.REASON)).contains("MISSING_IDENTITY");

        int exit = app.stop(Duration.ofSeconds(45));
        assertThat(exit).as("ended by SIGTERM after a clean close, not killed").isEqualTo(143);
        assertThat(app.logText()).contains("Streams client stopped completely");

        // The data stays in its folder: a second run finds the requests of the first.
        app = startRun(port, data, work, "run-2.log");
        Await.until("the second run to translate", TIMEOUT, () -> {
            app.assertAlive();
            return app.logText().contains("Translating segment.events");
        });
        assertThat(TopicReader.read(bootstrap, "refiner.requests", 2, TIMEOUT, new StringDeserializer(), new ByteArrayDeserializer()))
                .hasSize(2);
        assertThat(Files.isDirectory(data.resolve("logs"))).isTrue();
    }

    @Test
    void brokersThatDoNotAnswerEndTheStartWithOneMessage() throws Exception {
        Path config = RealInfrastructure.workDir("run-unreachable").resolve("refiner.properties");
        Files.writeString(config, "bootstrap.servers=127.0.0.1:" + FreePorts.next() + "\nschema.registry.url=mock://unreachable\n");
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine commandLine = SegmentRefiner.commandLine();
        commandLine.setOut(new java.io.PrintWriter(new java.io.StringWriter()));
        commandLine.setErr(new java.io.PrintWriter(err));

        int exit = commandLine.execute("run", "--role", "translate", "--config", config.toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("segment-refiner: Setting 'bootstrap.servers': no broker at 127.0.0.1:")
                .doesNotContain("\tat ");
    }
}

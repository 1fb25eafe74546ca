package io.segmentrefiner.ingest;

import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.TopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP Tracking API on a real broker, as an HTTP client sees it. */
@ExtendWith(RealInfrastructure.class)
class IngestIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String WRITE_KEY = "wk_test_web";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private IngestServer server;
    private KafkaBrokerProcess ownBroker;

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (ownBroker != null) {
            ownBroker.close();
        }
    }

    private String start(KafkaBrokerProcess broker) throws Exception {
        String topic = "ingest." + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        server = IngestServer.start("127.0.0.1", 0, Set.of(WRITE_KEY), topic, Map.of("bootstrap.servers", broker.bootstrapServers()));
        return topic;
    }

    private HttpResponse<String> post(String path, String writeKey, byte[] body, boolean gzip) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (writeKey != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8)));
        }
        if (gzip) {
            request.header("Content-Encoding", "gzip");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String writeKey, String body) throws Exception {
        return post(path, writeKey, body.getBytes(StandardCharsets.UTF_8), false);
    }

    @Test
    void acceptedCallsReachTheTopicKeyedByContactAndBadOnesGetSegmentsAnswerAndReachNothing(KafkaBrokerProcess broker) throws Exception {
        String topic = start(broker);

        HttpResponse<String> ok = post("/v1/track", WRITE_KEY, "{\"userId\":\"u-1\",\"event\":\"Survey Shown\",\"messageId\":\"ok-1\"}");
        HttpResponse<String> zipped = post("/v1/identify", WRITE_KEY, gzip("{\"userId\":\"u-2\",\"messageId\":\"ok-2\",\"traits\":{\"plan\":\"pro\"}}"), true);
        HttpResponse<String> inBody = post("/v1/page", null, "{\"writeKey\":\"" + WRITE_KEY + "\",\"anonymousId\":\"a-3\",\"messageId\":\"ok-3\"}");

        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("{\"success\":true}");
        assertThat(zipped.statusCode()).isEqualTo(200);
        assertThat(inBody.statusCode()).isEqualTo(200);

        assertThat(post("/v1/track", WRITE_KEY, "{\"userId\":\"u\",\"event\":\"" + "x".repeat(40_000) + "\"}").statusCode()).isEqualTo(413);
        assertThat(post("/v1/track", WRITE_KEY, "{\"userId\":").statusCode()).isEqualTo(400);
        assertThat(post("/v1/track", "wk_wrong", "{\"userId\":\"u\",\"event\":\"E\"}").statusCode()).isEqualTo(401);
        assertThat(post("/v1/track", null, "{\"userId\":\"u\",\"event\":\"E\"}").statusCode()).isEqualTo(401);
        HttpResponse<String> noType = post("/v1/batch", WRITE_KEY, "{\"batch\":[{\"userId\":\"u\",\"event\":\"E\"}]}");
        assertThat(noType.statusCode()).isEqualTo(400);
        assertThat(noType.body()).contains("\"success\":false").contains("no type");

        List<ConsumerRecord<String, String>> records = TopicReader.read(broker.bootstrapServers(), topic, 3, TIMEOUT,
                new StringDeserializer(), new StringDeserializer());
        assertThat(records).as("the three accepted calls and nothing else").hasSize(3);
        assertThat(records).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("u-1", "u-2", "a-3");
        assertThat(records).allSatisfy(record -> assertThat(record.value()).contains("\"receivedAt\":\"").doesNotContain("writeKey"));
        assertThat(records.stream().filter(r -> r.key().equals("u-2")).findFirst().orElseThrow().value()).contains("\"type\":\"identify\"");
    }

    @Test
    void aBodyThatIsNotUtf8Is400AndReachesNothing(KafkaBrokerProcess broker) throws Exception {
        String topic = start(broker);
        // An overlong '/' (C0 AF) in a track call Jackson alone would read; then C3 '(' in a batch.
        ByteArrayOutputStream call = new ByteArrayOutputStream();
        call.writeBytes("{\"userId\":\"u-1\",\"event\":\"a".getBytes(StandardCharsets.UTF_8));
        call.writeBytes(new byte[]{(byte) 0xC0, (byte) 0xAF});
        call.writeBytes("b\"}".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        batch.writeBytes("{\"batch\":[{\"type\":\"track\",\"userId\":\"u-1\",\"event\":\"".getBytes(StandardCharsets.UTF_8));
        batch.writeBytes(new byte[]{(byte) 0xC3, 0x28});
        batch.writeBytes("\"}]}".getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> plain = post("/v1/track", WRITE_KEY, call.toByteArray(), false);
        HttpResponse<String> zipped = post("/v1/track", WRITE_KEY, gzip(call.toByteArray()), true);
        HttpResponse<String> inABatch = post("/v1/batch", WRITE_KEY, batch.toByteArray(), false);

        for (HttpResponse<String> response : List.of(plain, zipped, inABatch)) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
            assertThat(response.body()).contains("\"success\":false").contains("Invalid JSON: the body is not UTF-8 (a malformed byte sequence at byte ");
        }
        assertThat(TopicReader.endOffsets(broker.bootstrapServers(), topic)).as("records written").isZero();
        assertThat(post("/v1/track", WRITE_KEY, "{\"userId\":\"u-1\",\"event\":\"a/b\"}").statusCode()).isEqualTo(200);
        assertThat(TopicReader.endOffsets(broker.bootstrapServers(), topic)).as("records written, once acknowledged").isEqualTo(1);
    }

    @Test
    void theBrokerAwayIs503AndBackIs200(KafkaBrokerProcess sharedBroker) throws Exception {
        ownBroker = KafkaBrokerProcess.start(RealInfrastructure.workDir("ingest-outage"));
        start(ownBroker);
        assertThat(post("/v1/track", WRITE_KEY, "{\"userId\":\"u\",\"event\":\"Before\"}").statusCode()).isEqualTo(200);

        ownBroker.stop();
        HttpResponse<String> away = post("/v1/track", WRITE_KEY, "{\"userId\":\"u\",\"event\":\"During\"}");
        assertThat(away.statusCode()).isEqualTo(503);
        assertThat(away.body()).contains("\"success\":false");

        ownBroker.restart();
        Await.until("200 again", TIMEOUT, () -> post("/v1/track", WRITE_KEY, "{\"userId\":\"u\",\"event\":\"After\"}").statusCode() == 200);
    }

    private static byte[] gzip(String text) throws Exception {
        return gzip(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] gzip(byte[] bytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        }
        return out.toByteArray();
    }
}

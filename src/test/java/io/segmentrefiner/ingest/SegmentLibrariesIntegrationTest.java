package io.segmentrefiner.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.messages.GroupMessage;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.PageMessage;
import com.segment.analytics.messages.TrackMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.app.DeliveryStage;
import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.ChildProcess;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.TopicReader;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import okio.Buffer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Segment's own libraries, Java ({@code com.segment.analytics.java:analytics}) and Node ({@code @segment/analytics-node}),
 * pointed at the ingest server as their endpoint: their identify, track, page and group calls land on the input topic
 * as Segment events keyed by user, and come out at a Refiner stand-in as the requests they map to, through translation
 * and delivery running in this JVM on a real broker.
 */
@ExtendWith(RealInfrastructure.class)
class SegmentLibrariesIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Duration NPM_INSTALL_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(120);
    private static final String WRITE_KEY = "wk_libraries_it";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One call a library makes, and what must come of it. */
    private record Expected(String messageId, String type, String userId, String path, String body) {
    }

    private KafkaBrokerProcess broker;
    private RefinerStub stub;
    private AppConfig config;
    private String registryScope;
    private final List<AutoCloseable> running = new ArrayList<>();
    private IngestServer ingest;
    private Instant started;

    @BeforeEach
    void setUp(KafkaBrokerProcess broker) {
        this.broker = broker;
        stub = RefinerStub.start();
        registryScope = "segment-libraries-it-" + UUID.randomUUID();
        config = AppConfig.of(PipelineSettings.forRun("segment-libraries-it", broker, "mock://" + registryScope, stub.url(),
                "rk_libraries_it"));
    }

    @AfterEach
    void tearDown() throws Exception {
        // Last started, first closed: the ingest server, then delivery, then translation.
        Collections.reverse(running);
        for (AutoCloseable closeable : running) {
            closeable.close();
        }
        stub.close();
        InMemorySchemaRegistry.drop(registryScope);
    }

    /** Translation and delivery in this JVM, then the ingest server in front of the input topic. */
    private void startPipeline() throws Exception {
        running.add(TranslationStage.start(config));
        running.add(DeliveryStage.start(config, new SimpleMeterRegistry()));
        ingest = IngestServer.start("127.0.0.1", 0, Set.of(WRITE_KEY), StageSettings.topics(config).input(), KafkaClientSettings.producer(config));
        running.add(ingest);
        started = Instant.now();
    }

    private String ingestUrl() {
        return "http://127.0.0.1:" + ingest.port();
    }

    @Test
    void segmentsJavaLibraryReachesRefiner() throws Exception {
        startPipeline();
        List<String> exchanges = new CopyOnWriteArrayList<>();
        List<String> delivered = new CopyOnWriteArrayList<>();
        List<String> failed = new CopyOnWriteArrayList<>();
        // What the library sent and what the server answered, for the failure message.
        OkHttpClient recording = new OkHttpClient.Builder().addNetworkInterceptor(chain -> {
            Buffer sent = new Buffer();
            if (chain.request().body() != null) {
                chain.request().body().writeTo(sent);
            }
            Response response = chain.proceed(chain.request());
            exchanges.add(chain.request().method() + " " + chain.request().url() + " " + sent.readUtf8()
                    + "\n  -> " + response.code() + " " + response.peekBody(4096).string());
            return response;
        }).build();
        Analytics analytics = Analytics.builder(WRITE_KEY)
                .endpoint(ingestUrl())
                .client(recording)
                .flushQueueSize(1)
                .flushInterval(1, TimeUnit.SECONDS)
                .retries(2)
                .callback(new Callback() {
                    @Override
                    public void success(Message message) {
                        delivered.add(message.messageId());
                    }

                    @Override
                    public void failure(Message message, Throwable cause) {
                        failed.add(message.messageId() + ": " + cause);
                    }
                })
                .build();
        try {
            analytics.enqueue(IdentifyMessage.builder().messageId("java-identify-1").userId("java-ann")
                    .traits(Map.of("email", "ann@example.com", "plan", "pro", "seats", 3)));
            analytics.enqueue(TrackMessage.builder("Survey Shown").messageId("java-track-1").userId("java-ann")
                    .properties(Map.of("survey", "nps")));
            analytics.enqueue(PageMessage.builder("Pricing").messageId("java-page-1").userId("java-bo")
                    .category("Docs").properties(Map.of("path", "/pricing")));
            analytics.enqueue(GroupMessage.builder("java-account-1").messageId("java-group-1").userId("java-bo")
                    .traits(Map.of("name", "Acme", "plan", "enterprise")));
            analytics.flush();
            Await.until("the Java library to hear back on all four calls", TIMEOUT,
                    () -> delivered.size() + failed.size() >= 4);
        } finally {
            analytics.shutdown();
        }
        assertThat(failed).as("calls the Java library could not deliver; its HTTP exchanges:\n%s",
                String.join("\n", exchanges)).isEmpty();
        assertThat(delivered).containsExactlyInAnyOrder("java-identify-1", "java-track-1", "java-page-1", "java-group-1");

        assertArrivedAndDelivered(List.of(
                new Expected("java-identify-1", "identify", "java-ann", "/v1/identify-user",
                        "{\"id\":\"java-ann\",\"email\":\"ann@example.com\",\"plan\":\"pro\",\"seats\":3}"),
                new Expected("java-track-1", "track", "java-ann", "/v1/track-event",
                        "{\"id\":\"java-ann\",\"event\":\"Survey Shown\"}"),
                new Expected("java-page-1", "page", "java-bo", "/v1/track-event",
                        "{\"id\":\"java-bo\",\"event\":\"pageview\"}"),
                new Expected("java-group-1", "group", "java-bo", "/v1/identify-user",
                        "{\"id\":\"java-bo\",\"account\":{\"id\":\"java-account-1\",\"name\":\"Acme\",\"plan\":\"enterprise\"}}")),
                String.join("\n", exchanges));
    }

    @Test
    void segmentsNodeLibraryReachesRefiner() throws Exception {
        assumeTrue(onPath("node") && onPath("npm"),
                "No node or npm on the PATH: skipping the test of Segment's Node library (@segment/analytics-node)");
        Path work = RealInfrastructure.workDir("segment-node");
        copyScript(work);
        ChildProcess install = ChildProcess.start("npm install", List.of(executable("npm"), "install", "--no-audit", "--no-fund"),
                Map.of(), work, work.resolve("npm-install.log"));
        running.add(install);
        assertThat(finish(install, NPM_INSTALL_TIMEOUT)).as("npm install of @segment/analytics-node in %s:\n%s", work, install.logText())
                .isZero();

        startPipeline();
        ChildProcess node = ChildProcess.start("node send.mjs", List.of(executable("node"), "send.mjs", ingestUrl(), WRITE_KEY),
                Map.of(), work, work.resolve("send.log"));
        running.add(node);
        int exit = finish(node, NODE_TIMEOUT);
        assertThat(exit).as("node send.mjs: the library's requests and the server's answers:\n%s", node.logText()).isZero();

        assertArrivedAndDelivered(List.of(
                new Expected("node-identify-1", "identify", "node-ann", "/v1/identify-user",
                        "{\"id\":\"node-ann\",\"email\":\"ann@example.com\",\"plan\":\"pro\",\"seats\":3}"),
                new Expected("node-track-1", "track", "node-ann", "/v1/track-event",
                        "{\"id\":\"node-ann\",\"event\":\"Survey Shown\"}"),
                new Expected("node-page-1", "page", "node-bo", "/v1/track-event",
                        "{\"id\":\"node-bo\",\"event\":\"pageview\"}"),
                new Expected("node-group-1", "group", "node-bo", "/v1/identify-user",
                        "{\"id\":\"node-bo\",\"account\":{\"id\":\"node-account-1\",\"name\":\"Acme\",\"plan\":\"enterprise\"}}")),
                node.logText());
    }

    /**
     * Each call is on the input topic as a Segment event (type, userId, messageId, receivedAt) keyed by its user, and
     * reached the Refiner stand-in as its request, with its messageId as the Idempotency-Key.
     */
    private void assertArrivedAndDelivered(List<Expected> calls, String clientLog) throws IOException {
        List<ConsumerRecord<String, String>> records = TopicReader.read(broker.bootstrapServers(), StageSettings.topics(config).input(),
                calls.size(), TIMEOUT, new StringDeserializer(), new StringDeserializer());
        Map<String, ConsumerRecord<String, String>> byMessageId = new java.util.HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            byMessageId.put(JSON.readTree(record.value()).path("messageId").asText(), record);
        }
        assertThat(byMessageId.keySet()).as("messageIds on the input topic").containsExactlyInAnyOrderElementsOf(
                calls.stream().map(Expected::messageId).toList());
        assertThat(records).as("one record per call").hasSize(calls.size());
        for (Expected call : calls) {
            ConsumerRecord<String, String> record = byMessageId.get(call.messageId());
            JsonNode event = JSON.readTree(record.value());
            assertThat(event.path("type").asText()).as("type of %s", call.messageId()).isEqualTo(call.type());
            assertThat(event.path("userId").asText()).as("userId of %s", call.messageId()).isEqualTo(call.userId());
            assertThat(record.key()).as("key of %s", call.messageId()).isEqualTo(call.userId());
            Instant receivedAt = OffsetDateTime.parse(event.path("receivedAt").asText()).toInstant();
            assertThat(receivedAt).as("receivedAt of %s", call.messageId())
                    .isBetween(started.minusSeconds(1), Instant.now().plusSeconds(1));
        }

        Set<String> messageIds = calls.stream().map(Expected::messageId).collect(Collectors.toSet());
        Await.until("Refiner requests for " + messageIds, TIMEOUT, () -> stub.delivered().stream()
                .map(RefinerStub.Received::idempotencyKey).collect(Collectors.toSet()).containsAll(messageIds));
        Map<String, RefinerStub.Received> requests = stub.delivered().stream()
                .collect(Collectors.toMap(RefinerStub.Received::idempotencyKey, Function.identity(), (first, again) -> first));
        for (Expected call : calls) {
            RefinerStub.Received request = requests.get(call.messageId());
            assertThat(request.method()).as("method of %s", call.messageId()).isEqualTo("POST");
            assertThat(request.path()).as("path of %s", call.messageId()).isEqualTo(call.path());
            assertThat(JSON.readTree(request.body())).as("body of %s", call.messageId()).isEqualTo(JSON.readTree(call.body()));
        }
        assertThat(stub.delivered()).as("exactly one request per call; the client's log:\n%s", clientLog).hasSize(calls.size());
    }

    /** Waits for a child process, and fails with its output when it does not finish in time. */
    private static int finish(ChildProcess process, Duration timeout) {
        try {
            return process.runToEnd(timeout);
        } catch (IllegalStateException timedOut) {
            throw new AssertionError(timedOut.getMessage() + ":\n" + process.logText(), timedOut);
        }
    }

    private static void copyScript(Path work) throws IOException {
        Path source = Path.of("src", "test", "resources", "segment-node");
        for (String file : List.of("package.json", "send.mjs")) {
            Files.copy(source.resolve(file), work.resolve(file));
        }
    }

    private static boolean onPath(String program) {
        return pathEntries().anyMatch(dir -> candidates(program).stream().anyMatch(name -> Files.isExecutable(dir.resolve(name))));
    }

    /** The program as found on the PATH (npm is npm.cmd on Windows), else its bare name. */
    private static String executable(String program) {
        return pathEntries().flatMap(dir -> candidates(program).stream().map(dir::resolve)).filter(Files::isExecutable)
                .findFirst().map(Path::toString).orElse(program);
    }

    private static List<String> candidates(String program) {
        return File.separatorChar == '\\' ? List.of(program + ".cmd", program + ".exe", program) : List.of(program);
    }

    private static Stream<Path> pathEntries() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Stream.empty();
        }
        return Stream.of(path.split(File.pathSeparator)).filter(entry -> !entry.isBlank()).map(entry -> {
            try {
                return Path.of(entry);
            } catch (RuntimeException invalid) {
                return null;
            }
        }).filter(java.util.Objects::nonNull);
    }
}

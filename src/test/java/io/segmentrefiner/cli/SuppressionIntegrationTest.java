package io.segmentrefiner.cli;

import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RefinerStub.Answer;
import io.segmentrefiner.harness.RunningApplication;
import io.segmentrefiner.harness.TopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deletion and suppression on a real broker, with {@code run} delivering to a stand-in: a user's events before a
 * delete reach Refiner, then {@code DELETE /v1/contact}, then nothing of theirs; an unsuppress lets new events
 * through; {@code forget} and {@code suppressions list} work as operators use them; and two instances agree on the
 * list whichever partitions they own.
 */
@ExtendWith(RealInfrastructure.class)
class SuppressionIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    // Kafka Streams' metrics reach /metrics when Micrometer next looks for new ones (every 60 s), so waits on them
    // are long. Counted at least once: a transaction that aborts counts its skipped events again when they are processed again.
    private static final Pattern SUPPRESSED = Pattern.compile(
            "(?m)^kafka_stream_segment_refiner_skipped_total\\{[^}]*segment_refiner_id=\"SUPPRESSED\"[^}]*} (\\S+)$");

    private static final Pattern GLOBAL_CONSUMED = Pattern.compile(
            "(?m)^kafka_consumer_fetch_manager_records_consumed_total\\{client_id=\"[^\"]*-global-consumer\"[^}]*} (\\S+)$");

    private KafkaBrokerProcess broker;
    private RefinerStub stub;
    private final List<RunningApplication> apps = new ArrayList<>();

    @BeforeEach
    void setUp(KafkaBrokerProcess broker) {
        this.broker = broker;
        stub = RefinerStub.start();
        stub.answer(request -> request.method().equals("DELETE") && request.body().contains("already-gone")
                ? Answer.status(404).withBody("{\"message\":\"Contact not found\"}") : Answer.ok());
    }

    @AfterEach
    void tearDown() {
        apps.forEach(RunningApplication::close);
        stub.close();
    }

    @Test
    void eventsBeforeADeleteAreSentThenTheDeleteThenNothingUntilAnUnsuppress() throws Exception {
        Map<String, String> settings = settings("suppression-it");
        RunningApplication app = start("run", settings);
        String input = settings.get(AppConfig.INPUT_TOPIC.key());

        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(input, "u-1", track("before-" + i, "u-1")));
            }
            producer.send(new ProducerRecord<>(input, "u-1",
                    "{\"type\":\"delete\",\"messageId\":\"delete-u-1\",\"userId\":\"u-1\",\"context\":{\"traits\":{\"email\":\"ada@example.com\"}}}"));
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(input, "u-1", track("after-" + i, "u-1")));
                // On the user's partition, behind the delete: the events a task translates before the list's table
                // can show the delete (docs/mapping.md#deletion-and-suppression).
                producer.send(new ProducerRecord<>(input, "u-1", trackByEmail("by-email-" + i, "ada@example.com")));
                producer.send(new ProducerRecord<>(input, "u-2", track("other-" + i, "u-2")));
            }
            producer.flush();
        }
        // Contacts are delivered in parallel, so the other user's requests say nothing of how far the first user's got.
        Await.until("the other user's events and the delete delivered", TIMEOUT, () -> {
            app.assertAlive();
            return requestsOf("\"id\":\"u-2\"").size() == 20
                    && requestsOf("\"id\":\"u-1\"").contains("DELETE /v1/contact delete-u-1");
        });
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("POST /v1/track-event before-" + i);
        }
        expected.add("DELETE /v1/contact delete-u-1");
        assertThat(requestsOf("\"id\":\"u-1\"")).as("the requests before, then the delete").containsExactlyElementsOf(expected);
        Await.until("the deleted user's 40 later events counted as suppressed", TIMEOUT, () -> suppressed(app) >= 40.0);

        String listed = execute("suppressions", "list", "--config", configFile(settings).toString());
        assertThat(listed).contains("\"userId\":\"u-1\"", "\"email\":\"ada@example.com\"").hasLineCount(1);

        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>(input, "u-1", "{\"type\":\"unsuppress\",\"messageId\":\"unsuppress-u-1\",\"userId\":\"u-1\"}"));
            producer.send(new ProducerRecord<>(input, "u-1", track("welcome-back", "u-1")));
            producer.send(new ProducerRecord<>(input, "u-1", trackByEmail("by-email-welcome-back", "ada@example.com")));
            producer.flush();
        }
        Await.until("the events after the unsuppress delivered", TIMEOUT, () ->
                requestsOf("\"id\":\"u-1\"").contains("POST /v1/track-event welcome-back")
                        && requestsOf("ada@example.com").contains("POST /v1/track-event by-email-welcome-back"));
        // A contact's requests are accepted in the order translation wrote them, so a request translated from any
        // event between the delete and the unsuppress would have been accepted before these.
        expected.add("POST /v1/track-event welcome-back");
        assertThat(requestsOf("\"id\":\"u-1\"")).as("the requests before, the delete, nothing until the unsuppress")
                .containsExactlyElementsOf(expected);
        assertThat(requestsOf("ada@example.com")).as("events with the deleted user's email alone: nothing until the unsuppress")
                .containsExactly("POST /v1/track-event by-email-welcome-back");
        assertThat(execute("suppressions", "list", "--config", configFile(settings).toString())).isEmpty();

        // forget, as an operator runs it, for a contact Refiner no longer has: 404 to a DELETE is delivered.
        String sent = execute("forget", "--user-id", "already-gone", "--email", "gone@example.com", "--config", configFile(settings).toString());
        assertThat(sent).startsWith("sent {\"type\":\"delete\",\"userId\":\"already-gone\"");
        Await.until("the forgotten contact's delete answered 404", TIMEOUT, () -> stub.received().stream()
                .anyMatch(request -> request.method().equals("DELETE") && request.body().equals("{\"id\":\"already-gone\"}")));
        Await.until("the forgotten user listed", TIMEOUT, () ->
                execute("suppressions", "list", "--config", configFile(settings).toString()).contains("\"userId\":\"already-gone\""));
        assertThat(execute("forget", "--user-id", "quiet", "--suppress-only", "--config", configFile(settings).toString()))
                .startsWith("suppressed quiet");
        assertThat(execute("suppressions", "list", "--config", configFile(settings).toString())).contains("\"userId\":\"quiet\"");
        assertThat(stub.received()).noneMatch(request -> request.body().contains("quiet"));

        // Nothing was dead-lettered: not the suppressed events, not the delete answered 404.
        app.stop(TIMEOUT);
        assertThat(TopicReader.endOffsets(broker.bootstrapServers(), settings.get(AppConfig.DLQ_TOPIC.key()))).isZero();
    }

    @Test
    void twoInstancesAgreeOnTheListWhicheverOfThemTranslatesTheUsersEvents() throws Exception {
        Map<String, String> settings = settings("suppression-two");
        RunningApplication first = start("first", settings);
        RunningApplication second = start("second", settings);
        String input = settings.get(AppConfig.INPUT_TOPIC.key());
        Await.until("both instances translating", TIMEOUT, () -> instancesTranslating(settings) == 2);
        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>(input, "u-9", "{\"type\":\"delete\",\"messageId\":\"delete-u-9\",\"userId\":\"u-9\"}")).get();
        }
        Await.until("the delete delivered", TIMEOUT, () -> !requestsOf("\"id\":\"u-9\"").isEmpty());
        // The list's table of another partition's task shows the entry once its instance's global thread read it.
        for (RunningApplication app : List.of(first, second)) {
            Await.until(app + " read the list's entry", TIMEOUT, () -> listRecordsRead(app) >= 1.0);
        }

        // The user's later events under keys that spread them over every partition, so over both instances.
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < 60; i++) {
                producer.send(new ProducerRecord<>(input, "key-" + i, track("later-" + i, "u-9")));
                producer.send(new ProducerRecord<>(input, "key-" + i, track("marker-" + i, "u-10")));
            }
            producer.flush();
        }
        Await.until("every marker delivered", TIMEOUT, () -> {
            first.assertAlive();
            second.assertAlive();
            return requestsOf("\"id\":\"u-10\"").size() == 60;
        });
        Await.until("every later event of the user suppressed", TIMEOUT, () -> suppressed(first) + suppressed(second) >= 60.0);
        assertThat(suppressed(first)).as("the first instance suppressed some").isPositive();
        assertThat(suppressed(second)).as("the second instance suppressed some").isPositive();

        // Each marker follows an event of the user on its partition, so a request wrongly made of any of those events
        // was written before the markers were delivered, and so before this one; the user's requests are accepted in
        // the order they were written.
        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>(input, "u-9", "{\"type\":\"unsuppress\",\"messageId\":\"unsuppress-u-9\",\"userId\":\"u-9\"}"));
            producer.send(new ProducerRecord<>(input, "u-9", track("welcome-back", "u-9")));
            producer.flush();
        }
        Await.until("the event after the unsuppress delivered", TIMEOUT,
                () -> requestsOf("\"id\":\"u-9\"").contains("POST /v1/track-event welcome-back"));
        assertThat(requestsOf("\"id\":\"u-9\"")).as("the user's requests")
                .containsExactly("DELETE /v1/contact delete-u-9", "POST /v1/track-event welcome-back");
    }

    /** How many members of translation's group own partitions of the input topic. */
    private long instancesTranslating(Map<String, String> settings) throws Exception {
        String group = settings.get("application.id");
        String input = settings.get(AppConfig.INPUT_TOPIC.key());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
            return description.members().stream()
                    .filter(member -> member.assignment().topicPartitions().stream().anyMatch(partition -> partition.topic().equals(input)))
                    .count();
        }
    }

    private Map<String, String> settings(String name) {
        Map<String, String> settings = PipelineSettings.forRun(name, broker);
        settings.put(AppConfig.SCHEMA_REGISTRY_URL.key(), "kafka://_schemas-" + PipelineSettings.runOf(settings));
        settings.put(AppConfig.REFINER_API_URL.key(), stub.url());
        settings.put(AppConfig.REFINER_API_KEY.key(), "rk_suppression_it");
        return settings;
    }

    private RunningApplication start(String name, Map<String, String> settings) {
        Map<String, String> own = new java.util.HashMap<>(settings);
        own.put("state.dir", RealInfrastructure.workDir("suppression-it-" + name + "-state").toString());
        RunningApplication app = RunningApplication.start(name, RealInfrastructure.workDir("suppression-it-" + name), own, Map.of());
        apps.add(app);
        app.awaitLog("Delivering " + settings.get(AppConfig.REQUESTS_TOPIC.key()), TIMEOUT);
        return app;
    }

    private Path configFile(Map<String, String> settings) throws Exception {
        return PipelineSettings.write(Map.of(
                AppConfig.BOOTSTRAP_SERVERS.key(), broker.bootstrapServers(),
                AppConfig.INPUT_TOPIC.key(), settings.get(AppConfig.INPUT_TOPIC.key()),
                AppConfig.SUPPRESSIONS_TOPIC.key(), settings.get(AppConfig.SUPPRESSIONS_TOPIC.key())),
                RealInfrastructure.workDir("suppression-it-tools").resolve("tools.properties"));
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
    }

    /** The requests the stand-in accepted whose body holds the text, as "METHOD path messageId", in the order accepted. */
    private List<String> requestsOf(String bodyText) {
        return stub.delivered().stream().filter(request -> request.body().contains(bodyText))
                .map(request -> request.method() + " " + request.path() + " " + request.idempotencyKey()).toList();
    }

    private static double suppressed(RunningApplication app) throws Exception {
        String metrics = app.get("/metrics").body();
        Matcher matcher = SUPPRESSED.matcher(metrics);
        double total = 0;
        while (matcher.find()) {
            total += Double.parseDouble(matcher.group(1));
        }
        return total;
    }

    private static double listRecordsRead(RunningApplication app) throws Exception {
        Matcher matcher = GLOBAL_CONSUMED.matcher(app.get("/metrics").body());
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0.0;
    }

    private static String execute(String... arguments) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = SegmentRefiner.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int status = commandLine.execute(arguments);
        assertThat(status).as(String.join(" ", arguments) + ": " + err).isZero();
        return out.toString().strip();
    }

    private static String track(String messageId, String user) {
        return "{\"type\":\"track\",\"messageId\":\"" + messageId + "\",\"userId\":\"" + user + "\",\"event\":\"E\"}";
    }

    /** A track call that names its user by email alone. */
    private static String trackByEmail(String messageId, String email) {
        return "{\"type\":\"track\",\"messageId\":\"" + messageId + "\",\"event\":\"E\",\"traits\":{\"email\":\"" + email + "\"}}";
    }
}

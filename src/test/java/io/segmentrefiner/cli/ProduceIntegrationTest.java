package io.segmentrefiner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.harness.FreePorts;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.TopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code segment-refiner produce} on a real broker, run in-process as the command line runs it. */
@ExtendWith(RealInfrastructure.class)
class ProduceIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int PARTITIONS = 4;
    private static final String SUMMARY = "sent %d, refused %d, in \\d+\\.\\d s";

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final List<String> topics = new ArrayList<>();
    private KafkaBrokerProcess broker;
    private Admin admin;
    private String topic;

    @BeforeEach
    void createTopic(KafkaBrokerProcess broker) throws Exception {
        this.broker = broker;
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        topic = createTopic(Map.of());
    }

    @AfterEach
    void deleteTopics() throws Exception {
        try {
            admin.deleteTopics(topics).all().get();
        } finally {
            admin.close();
        }
    }

    // --- lines ---

    @Test
    void sendsTheValidLinesAndReportsTheBrokenOnesWithTheirLineNumbers() throws Exception {
        Path events = write("events.jsonl", """
                {"type":"track","messageId":"m-1","userId":"u-1","event":"Survey Shown"}
                {"type":"track","messageId":"m-2",
                {"type":"identify","messageId":"m-3","userId":"u-2","traits":{"plan":"pro"}}

                [{"type":"page","messageId":"m-4"}]
                "just a string"
                {"type":"page","messageId":"m-5","userId":"u-1","name":"Pricing"}
                """);

        assertThat(produce(events.toString())).as(err.toString()).isZero();

        assertThat(out.toString().strip()).matches(summary(3, 3));
        assertThat(err.toString())
                .contains(events + ":2: not JSON: ")
                .contains(events + ":5: a JSON array, not an object")
                .contains(events + ":6: a JSON string, not an object")
                .doesNotContain(events + ":4:");
        assertThat(messageIds(read(topic, 3))).containsExactlyInAnyOrder("m-1", "m-3", "m-5");
    }

    @Test
    void reportsTheLinesThatAreNotUtf8WithTheirLineNumbersAndSendsTheOthers() throws Exception {
        // JSON around the bad bytes: C3 then '(' on line 2, an overlong '/' (C0 AF, which Jackson alone reads) on line 5.
        String before = "{\"type\":\"track\",\"messageId\":\"bad\",\"userId\":\"u-1\",\"event\":\"";
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(utf8("{\"type\":\"track\",\"messageId\":\"m-1\",\"userId\":\"u-1\",\"event\":\"E\"}\n"));
        file.writeBytes(utf8(before));
        file.writeBytes(new byte[]{(byte) 0xC3, 0x28});
        file.writeBytes(utf8("\"}\n{\"type\":\"track\",\"messageId\":\"m-3\",\"userId\":\"u-1\",\"event\":\"E\"}\n\n"));
        file.writeBytes(utf8(before));
        file.writeBytes(new byte[]{(byte) 0xC0, (byte) 0xAF});
        file.writeBytes(utf8("\"}\r\n{\"type\":\"track\",\"messageId\":\"m-6\",\"userId\":\"u-1\",\"event\":\"E\"}\r\n"));
        Path events = Files.write(dir.resolve("events.jsonl"), file.toByteArray());

        assertThat(produce(events.toString())).as(err.toString()).isZero();

        assertThat(out.toString().strip()).matches(summary(3, 2));
        assertThat(err.toString())
                .contains(events + ":2: not UTF-8: a malformed byte sequence at byte " + before.length() + "\n")
                .contains(events + ":5: not UTF-8: a malformed byte sequence at byte " + before.length() + "\n")
                .doesNotContain(events + ":4:", "Exception", "\tat ");
        assertThat(messageIds(read(topic, 3))).containsExactly("m-1", "m-3", "m-6");
    }

    // --- keys ---

    @Test
    void keysEachEventByItsContactSoThatOnePersonsEventsShareAPartition() throws Exception {
        Path events = write("events.jsonl", """
                {"type":"identify","messageId":"u1-1","userId":"u-1","traits":{"email":"ann@example.com"}}
                {"type":"track","messageId":"u1-2","userId":"u-1","event":"Survey Shown"}
                {"type":"page","messageId":"u1-3","anonymousId":"a-9","traits":{"userId":"u-1"}}
                {"type":"identify","messageId":"u1-4","context":{"traits":{"id":"u-1","email":"ann@example.com"}}}
                {"type":"group","messageId":"u1-5","userId":"u-1","groupId":"g-1","traits":{"id":"g-1","name":"Initech"}}
                {"type":"track","messageId":"u2-1","userId":"u-2","event":"Survey Shown"}
                {"type":"track","messageId":"u2-2","userId":"u-2","event":"Survey Completed"}
                {"type":"track","messageId":"e-1","anonymousId":"a-1","context":{"traits":{"email":"bob@example.com"}},"event":"E"}
                {"type":"track","messageId":"e-2","properties":{"email":"carl@example.com"},"event":"E"}
                {"type":"page","messageId":"a-1","anonymousId":"anon-7"}
                {"type":"page","messageId":"m-only"}
                """);

        assertThat(produce(events.toString())).as(err.toString()).isZero();

        List<ConsumerRecord<String, String>> records = read(topic, 11);
        Map<String, String> keys = records.stream().collect(Collectors.toMap(record -> messageId(record), ConsumerRecord::key));
        assertThat(keys).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("u1-1", "u-1"), Map.entry("u1-2", "u-1"), Map.entry("u1-3", "u-1"), Map.entry("u1-4", "u-1"),
                Map.entry("u1-5", "u-1"), Map.entry("u2-1", "u-2"), Map.entry("u2-2", "u-2"),
                Map.entry("e-1", "bob@example.com"), Map.entry("e-2", "carl@example.com"),
                Map.entry("a-1", "anon-7"), Map.entry("m-only", "m-only")));
        assertThat(partitionsOf(records, "u-1")).hasSize(1);
        assertThat(partitionsOf(records, "u-2")).hasSize(1);
        assertThat(records.stream().filter(record -> record.key().equals("u-1")).map(this::messageId))
                .as("one person's events in the order of the file")
                .containsExactly("u1-1", "u1-2", "u1-3", "u1-4", "u1-5");
    }

    // --- messageId and receivedAt ---

    @Test
    void fillsInAMessageIdAndAReceivedAtWhereAnEventLacksThem() throws Exception {
        Path events = write("events.jsonl", """
                {"type":"track","userId":"u-1","event":"No Ids"}
                {"type":"track","messageId":"m-2","receivedAt":"2020-01-02T03:04:05.678Z","userId":"u-1","event":"Both"}
                """);
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);

        assertThat(produce(events.toString())).as(err.toString()).isZero();

        Instant after = Instant.now();
        List<JsonNode> sent = read(topic, 2).stream().map(record -> tree(record.value())).toList();
        JsonNode filled = sent.stream().filter(event -> event.get("event").asText().equals("No Ids")).findFirst().orElseThrow();
        assertThat(filled.get("messageId").asText()).as("a random UUID").matches("\\p{XDigit}{8}(-\\p{XDigit}{4}){3}-\\p{XDigit}{12}");
        String receivedAt = filled.get("receivedAt").asText();
        assertThat(receivedAt).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
        assertThat(Instant.parse(receivedAt)).isBetween(before, after);
        JsonNode kept = sent.stream().filter(event -> event.get("event").asText().equals("Both")).findFirst().orElseThrow();
        assertThat(kept.get("messageId").asText()).isEqualTo("m-2");
        assertThat(kept.get("receivedAt").asText()).isEqualTo("2020-01-02T03:04:05.678Z");
    }

    // --- batch envelopes ---

    @Test
    void splitsABatchEnvelopeIntoItsEventsWithTheEnvelopesContext() throws Exception {
        Path events = write("batch.jsonl", """
                {"batch":[{"type":"identify","messageId":"b-1","userId":"u-1","traits":{"plan":"pro"}},{"type":"track","messageId":"b-2","userId":"u-2","event":"E","context":{"ip":"1.1.1.1"}},7,{"type":"page","messageId":"b-3","anonymousId":"a-1"}],"context":{"library":{"name":"analytics-python"},"ip":"8.8.8.8"},"integrations":{"All":true}}
                """);

        assertThat(produce(events.toString())).as(err.toString()).isZero();

        assertThat(out.toString().strip()).matches(summary(3, 1));
        assertThat(err.toString()).contains(events + ":1: a batch element that is a JSON number, not an object");
        Map<String, ConsumerRecord<String, String>> byMessageId = read(topic, 3).stream()
                .collect(Collectors.toMap(this::messageId, record -> record));
        assertThat(byMessageId.keySet()).containsExactlyInAnyOrder("b-1", "b-2", "b-3");
        assertThat(byMessageId.get("b-1").key()).isEqualTo("u-1");
        assertThat(byMessageId.get("b-2").key()).isEqualTo("u-2");
        assertThat(byMessageId.get("b-3").key()).isEqualTo("a-1");
        for (ConsumerRecord<String, String> record : byMessageId.values()) {
            JsonNode event = tree(record.value());
            assertThat(event.has("batch")).isFalse();
            assertThat(event.at("/context/library/name").asText()).isEqualTo("analytics-python");
            assertThat(event.at("/integrations/All").asBoolean()).isTrue();
        }
        assertThat(tree(byMessageId.get("b-1").value()).at("/context/ip").asText()).isEqualTo("8.8.8.8");
        assertThat(tree(byMessageId.get("b-2").value()).at("/context/ip").asText()).as("the event's own context wins").isEqualTo("1.1.1.1");
    }

    // --- sources ---

    @Test
    void readsStandardInputWhenNoFileIsGiven() throws Exception {
        InputStream stdin = System.in;
        int status;
        try {
            System.setIn(new ByteArrayInputStream("""
                    {"type":"track","messageId":"s-1","userId":"u-1","event":"E"}
                    not json

                    {"type":"track","messageId":"s-2","userId":"u-1","event":"E"}
                    """.getBytes(StandardCharsets.UTF_8)));
            status = produce();
        } finally {
            System.setIn(stdin);
        }

        assertThat(status).as(err.toString()).isZero();
        assertThat(out.toString().strip()).matches(summary(2, 1));
        assertThat(err.toString()).contains("<stdin>:2: not JSON: ");
        assertThat(messageIds(read(topic, 2))).containsExactly("s-1", "s-2");
    }

    @Test
    void sendsSeveralFilesInOrderToTheTopicOfTopicOption() throws Exception {
        Path first = write("first.jsonl", """
                {"type":"track","messageId":"f1-1","userId":"u-1","event":"E"}
                {"type":"track","messageId":"f1-2","userId":"u-1","event":"E"}
                """);
        Path second = write("second.jsonl", """

                {"type":"track","messageId":"f2-1","userId":"u-1","event":"E"}
                {oops}
                {"type":"track","messageId":"f2-2","userId":"u-1","event":"E"}
                """);
        String configured = "produce-unused-" + UUID.randomUUID();

        int status = produce(config(Map.of("input.topic", configured)), "--topic", topic, first.toString(), second.toString());

        assertThat(status).as(err.toString()).isZero();
        assertThat(out.toString().strip()).matches(summary(4, 1));
        assertThat(err.toString()).contains(second + ":3: not JSON: ").doesNotContain(first + ":");
        assertThat(messageIds(read(topic, 4))).containsExactly("f1-1", "f1-2", "f2-1", "f2-2");
        assertThat(admin.listTopics().names().get()).doesNotContain(configured);
    }

    // --- refusals ---

    @Test
    void aRecordTheBrokerRefusesEndsWithStatusOneAndTheOthersAreStillSent() throws Exception {
        String small = createTopic(Map.of("max.message.bytes", "1024"));
        Path events = write("events.jsonl", """
                {"type":"track","messageId":"r-1","userId":"u-1","event":"E"}
                {"type":"track","messageId":"r-2","userId":"u-2","event":"E","properties":{"text":"%s"}}
                {"type":"track","messageId":"r-3","userId":"u-3","event":"E"}
                """.formatted("x".repeat(4000)));

        int status = produce(config(Map.of("input.topic", small)), events.toString());

        assertThat(status).as(err.toString()).isEqualTo(1);
        assertThat(out.toString().strip()).matches(summary(2, 1));
        assertThat(err.toString()).contains(events + ":2: refused by the broker: RecordTooLargeException");
        assertThat(messageIds(read(small, 2))).containsExactlyInAnyOrder("r-1", "r-3");
    }

    @Test
    void stopsReadingWhenTheBrokerCannotBeReached() throws Exception {
        Path config = write("nobroker.properties", """
                bootstrap.servers=127.0.0.1:%d
                input.topic=%s
                max.block.ms=1000
                """.formatted(FreePorts.next(), topic));
        Path events = write("events.jsonl", """
                {"type":"track","messageId":"n-1","userId":"u-1","event":"E"}
                {"type":"track","messageId":"n-2","userId":"u-1","event":"E"}
                """);

        int status = produce(config, events.toString());

        assertThat(status).as(err.toString()).isEqualTo(1);
        assertThat(out.toString().strip()).matches(summary(0, 1));
        assertThat(err.toString()).contains(events + ":1: refused by the broker: ")
                .contains("Stopped at " + events + ":1");
    }

    @Test
    void producerSettingsThatContradictIdempotenceAreAConfigurationError() throws Exception {
        Path events = write("events.jsonl", "{\"type\":\"track\",\"messageId\":\"c-1\",\"userId\":\"u-1\",\"event\":\"E\"}\n");

        int status = produce(config(Map.of("input.topic", topic, "max.in.flight.requests.per.connection", "10")), events.toString());

        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).startsWith("segment-refiner: ").contains("max.in.flight.requests.per.connection");
        assertThat(out.toString()).isEmpty();
    }

    // --- helpers ---

    /** {@code produce} with a configuration of the test broker and the test's topic. */
    private int produce(String... files) {
        return produce(config(Map.of("input.topic", topic)), files);
    }

    private int produce(Path config, String... args) {
        List<String> all = new ArrayList<>(List.of("produce", "--config", config.toString()));
        all.addAll(List.of(args));
        CommandLine commandLine = SegmentRefiner.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(all.toArray(String[]::new));
    }

    private Path config(Map<String, String> settings) {
        StringBuilder text = new StringBuilder("bootstrap.servers=" + broker.bootstrapServers() + "\n");
        settings.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        return write("produce-" + UUID.randomUUID() + ".properties", text.toString());
    }

    private String createTopic(Map<String, String> configs) throws Exception {
        String name = "produce-" + UUID.randomUUID();
        admin.createTopics(List.of(new NewTopic(name, PARTITIONS, (short) 1).configs(configs))).all().get();
        topics.add(name);
        return name;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private Path write(String name, String text) {
        try {
            return Files.writeString(dir.resolve(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<ConsumerRecord<String, String>> read(String topic, int count) {
        List<ConsumerRecord<String, String>> records =
                TopicReader.read(broker.bootstrapServers(), topic, count, TIMEOUT, new StringDeserializer(), new StringDeserializer());
        assertThat(records).as("records on " + topic).hasSize(count);
        return records;
    }

    private List<String> messageIds(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(this::messageId).toList();
    }

    private String messageId(ConsumerRecord<String, String> record) {
        return tree(record.value()).get("messageId").asText();
    }

    private static Set<Integer> partitionsOf(List<ConsumerRecord<String, String>> records, String key) {
        return records.stream().filter(record -> key.equals(record.key())).map(ConsumerRecord::partition).collect(Collectors.toSet());
    }

    private JsonNode tree(String value) {
        try {
            return json.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String summary(long sent, long refused) {
        return SUMMARY.formatted(sent, refused);
    }
}

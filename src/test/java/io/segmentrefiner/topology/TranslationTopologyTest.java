package io.segmentrefiner.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.deadletter.TextHeaders;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.deadletter.DeadLetterHeaders;
import io.segmentrefiner.refiner.MappingSettings;
import io.segmentrefiner.refiner.PageEventNaming;
import io.segmentrefiner.refiner.AttributeRenames;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TranslationTopologyTest {

    private static final String REGISTRY_SCOPE = "translation-topology-test";
    private static final Instant RECORD_TIME = Instant.parse("2026-11-28T10:00:00Z");
    private static final java.time.Duration DEDUP_WINDOW = java.time.Duration.ofHours(24);

    private final ObjectMapper json = new ObjectMapper();
    private TranslationUnderTest translation;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> input;
    private TestOutputTopic<String, RefinerRequestRecord> requests;
    private TestOutputTopic<byte[], byte[]> deadLetters;

    @BeforeEach
    void start() {
        startWith(MappingSettings.DEFAULTS);
    }

    private void startWith(MappingSettings mapping) {
        if (translation != null) {
            translation.close();
        }
        translation = TranslationUnderTest.start(mapping, DEDUP_WINDOW, REGISTRY_SCOPE, RECORD_TIME);
        driver = translation.driver();
        input = translation.input();
        requests = translation.requests();
        deadLetters = translation.deadLetters();
    }

    @AfterEach
    void stop() {
        translation.close();
    }

    private void send(String key, String value) {
        input.pipeInput(key == null ? null : key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode body(RefinerRequestRecord request) throws Exception {
        return json.readTree(request.getBody());
    }

    private static String header(Headers headers, String name) {
        return TextHeaders.read(headers, name).orElse(null);
    }

    @Test
    void identifyBecomesAnIdentifyUserRequestKeyedByUserId() throws Exception {
        send("anon-1", """
                {"type":"identify","messageId":"m-1","userId":"u-1","receivedAt":"2026-11-27T09:30:00.000Z",
                 "traits":{"email":"ann@example.com","plan":"pro"}}""");

        TestRecord<String, RefinerRequestRecord> record = requests.readRecord();
        assertThat(record.key()).isEqualTo("u-1");
        RefinerRequestRecord request = record.value();
        assertThat(request.getMessageId()).isEqualTo("m-1");
        assertThat(request.getType()).isEqualTo("identify");
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getPath()).isEqualTo("/v1/identify-user");
        assertThat(request.getReceivedAt()).isEqualTo(Instant.parse("2026-11-27T09:30:00Z"));
        assertThat(body(request)).isEqualTo(json.readTree("""
                {"id":"u-1","email":"ann@example.com","plan":"pro"}"""));
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void everyCallTypeIsMappedByItsOwnMapper() throws Exception {
        send("k", """
                {"type":"GROUP","userId":"u-1","groupId":"g-1","traits":{"name":"Acme","plan":"gold"}}""");
        send("k", """
                {"type":"Track","userId":"u-1","event":"Survey Shown","properties":{"x":1}}""");
        send("k", """
                {"type":"page","userId":"u-1","name":"Pricing"}""");

        List<RefinerRequestRecord> out = requests.readValuesToList();
        assertThat(out).extracting(RefinerRequestRecord::getType).containsExactly("group", "track", "page");
        assertThat(body(out.get(0))).isEqualTo(json.readTree("""
                {"id":"u-1","account":{"id":"g-1","name":"Acme","plan":"gold"}}"""));
        assertThat(body(out.get(1))).isEqualTo(json.readTree("""
                {"id":"u-1","event":"Survey Shown"}"""));
        assertThat(body(out.get(2))).isEqualTo(json.readTree("""
                {"id":"u-1","event":"pageview"}"""));
    }

    @Test
    void mappingSettingsReachTheMappers() throws Exception {
        startWith(new MappingSettings(PageEventNaming.NAMED, new AttributeRenames(Map.of("plan", "tier")), new AttributeRenames(Map.of("plan", "accountPlan"))));
        send("k", """
                {"type":"page","userId":"u-1","name":"Pricing","category":"Docs"}""");
        send("k", """
                {"type":"identify","userId":"u-1","traits":{"plan":"pro"}}""");
        send("k", """
                {"type":"group","userId":"u-1","groupId":"g","traits":{"plan":"gold"}}""");

        List<RefinerRequestRecord> out = requests.readValuesToList();
        assertThat(body(out.get(0)).get("event").asText()).isEqualTo("Viewed Docs Pricing Page");
        assertThat(body(out.get(1))).isEqualTo(json.readTree("""
                {"id":"u-1","tier":"pro"}"""));
        assertThat(body(out.get(2)).get("account")).isEqualTo(json.readTree("""
                {"id":"g","accountPlan":"gold"}"""));
    }

    @Test
    void requestsAreKeyedByEmailWhenThereIsNoUserId() {
        send(null, """
                {"type":"track","event":"Signed Up","properties":{"email":"bo@example.com"}}""");

        assertThat(requests.readRecord().key()).isEqualTo("bo@example.com");
    }

    @Test
    void receiveTimeFallsBackToTheRecordTimestamp() {
        send("k", """
                {"type":"track","userId":"u","event":"E"}""");

        assertThat(requests.readValue().getReceivedAt()).isEqualTo(RECORD_TIME);
    }

    @Test
    void aReceivedAtBeyondWhatMillisecondsHoldFallsBackToTheRecordTimestamp() {
        send("k", """
                {"type":"track","userId":"u","event":"E","receivedAt":"+999999999-12-31T23:59:59Z"}""");

        assertThat(requests.readValue().getReceivedAt()).isEqualTo(RECORD_TIME);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void rejectedEventsAreDeadLetteredWithTheirBytesKeyAndReason() {
        String value = "{\"type\":\"track\",\"messageId\":\"m-9\",\"event\":\"E\",  \"anonymousId\":\"a-1\"}";
        Headers original = new RecordHeaders().add("trace", "t-1".getBytes(StandardCharsets.UTF_8));
        input.pipeInput(new TestRecord<>("key-9".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), original, RECORD_TIME));

        TestRecord<byte[], byte[]> deadLetter = deadLetters.readRecord();
        assertThat(deadLetter.key()).isEqualTo("key-9".getBytes(StandardCharsets.UTF_8));
        assertThat(deadLetter.value()).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
        Headers headers = deadLetter.headers();
        assertThat(header(headers, "trace")).isEqualTo("t-1");
        assertThat(header(headers, DeadLetterHeaders.STAGE)).isEqualTo("translate");
        assertThat(header(headers, DeadLetterHeaders.REASON)).isEqualTo("MISSING_IDENTITY");
        assertThat(header(headers, DeadLetterHeaders.MESSAGE)).contains("neither a user id").contains("nor an email");
        assertThat(header(headers, DeadLetterHeaders.ORIGIN_TOPIC)).isEqualTo("segment.events");
        assertThat(header(headers, DeadLetterHeaders.ORIGIN_PARTITION)).isEqualTo("0");
        assertThat(header(headers, DeadLetterHeaders.ORIGIN_OFFSET)).isEqualTo("0");
        assertThat(requests.isEmpty()).isTrue();
    }

    @Test
    void aValueThatIsNotUtf8IsOneInvalidJsonDeadLetterWithItsBytesUnchanged() {
        // A track call that Jackson alone reads, decoding the encoded surrogate U+D800 (ED A0 80) as a character.
        byte[] before = "{\"type\":\"track\",\"messageId\":\"m-1\",\"userId\":\"u-1\",\"event\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] value = concat(before, new byte[]{(byte) 0xED, (byte) 0xA0, (byte) 0x80}, "\"}".getBytes(StandardCharsets.UTF_8));
        input.pipeInput("k".getBytes(StandardCharsets.UTF_8), value);

        List<TestRecord<byte[], byte[]>> out = deadLetters.readRecordsToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).value()).isEqualTo(value);
        assertThat(out.get(0).key()).isEqualTo("k".getBytes(StandardCharsets.UTF_8));
        assertThat(header(out.get(0).headers(), DeadLetterHeaders.REASON)).isEqualTo("INVALID_JSON");
        assertThat(header(out.get(0).headers(), DeadLetterHeaders.MESSAGE))
                .isEqualTo("The record value is not UTF-8: a malformed byte sequence at byte " + before.length + ".");
        assertThat(requests.isEmpty()).isTrue();
        assertThat(total("dead-lettered-total", "INVALID_JSON")).isEqualTo(1.0);
    }

    @Test
    void aBatchEnvelopeWithBytesThatAreNotUtf8InOneEventIsOneDeadLetterAndNoRequest() {
        // An overlong '/' (C0 AF), which Jackson alone reads as '/', in the second event.
        byte[] value = concat("""
                {"batch":[{"type":"track","messageId":"b-1","userId":"u-1","event":"E"},
                          {"type":"track","messageId":"b-2","userId":"u-1","event":"a""".getBytes(StandardCharsets.UTF_8),
                new byte[]{(byte) 0xC0, (byte) 0xAF}, "b\"}]}".getBytes(StandardCharsets.UTF_8));
        input.pipeInput("k".getBytes(StandardCharsets.UTF_8), value);

        List<TestRecord<byte[], byte[]>> out = deadLetters.readRecordsToList();
        assertThat(out).as("the record, whole: it cannot be split into events").hasSize(1);
        assertThat(out.get(0).value()).isEqualTo(value);
        assertThat(header(out.get(0).headers(), DeadLetterHeaders.REASON)).isEqualTo("INVALID_JSON");
        assertThat(requests.isEmpty()).isTrue();
    }

    @Test
    void everyRejectionReasonIsDeadLetteredInOrder() {
        send("k", "[1,2]");
        send("k", "{\"userId\":\"u\"}");
        send("k", "{\"type\":\"identify\",\"anonymousId\":\"a\"}");
        send("k", "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"  \"}");
        send("k", "{\"type\":\"group\",\"userId\":\"u\"}");

        List<TestRecord<byte[], byte[]>> out = deadLetters.readRecordsToList();
        assertThat(out).extracting(r -> header(r.headers(), DeadLetterHeaders.REASON))
                .containsExactly("INVALID_JSON", "MISSING_TYPE", "MISSING_IDENTITY", "MISSING_EVENT", "MISSING_GROUP_ID");
        assertThat(out).extracting(r -> header(r.headers(), DeadLetterHeaders.ORIGIN_OFFSET))
                .containsExactly("0", "1", "2", "3", "4");
    }

    @Test
    void skippedEventsAreCountedPerReasonAndNotWritten() {
        send("k", "{\"type\":\"screen\",\"userId\":\"u\"}");
        send("k", "{\"type\":\"alias\",\"userId\":\"u\",\"previousId\":\"p\"}");
        send("k", "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\",\"integrations\":{\"Refiner\":false}}");
        send("k", "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\",\"integrations\":{\"All\":false}}");

        assertThat(requests.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(total("skipped-total", "UNSUPPORTED_TYPE")).isEqualTo(2.0);
        assertThat(total("skipped-total", "DISABLED")).isEqualTo(2.0);
    }

    @Test
    void deadLettersAreCountedPerReason() {
        send("k", "nope");
        send("k", "{\"type\":\"identify\"}");
        send("k", "{\"type\":\"identify\"}");

        assertThat(total("dead-lettered-total", "INVALID_JSON")).isEqualTo(1.0);
        assertThat(total("dead-lettered-total", "MISSING_IDENTITY")).isEqualTo(2.0);
    }

    @Test
    void engageEventsThatNameRefinerAreTranslated() throws Exception {
        send("k", """
                {"type":"identify","userId":"u-1","integrations":{"All":false,"Refiner":true},
                 "traits":{"order_completed_last_30days":true},"context":{"personas":{"computation_class":"audience"}}}""");

        assertThat(body(requests.readValue())).isEqualTo(json.readTree("""
                {"id":"u-1","order_completed_last_30days":true}"""));
    }

    @Test
    void aBatchEnvelopeYieldsOneOutcomePerEventInOrder() throws Exception {
        send("batch-key", """
                {"batch":[
                   {"type":"identify","messageId":"b-1","traits":{"name":"Ann"}},
                   {"type":"track","messageId":"b-2","event":"E"},
                   {"type":"screen","messageId":"b-3","userId":"u-1"},
                   {"type":"track","messageId":"b-4","userId":"u-2","event":"F","context":{"traits":{"email":"own@example.com"}}}
                 ],
                 "context":{"traits":{"userId":"u-1","email":"ann@example.com"},"ip":"10.0.0.1"},
                 "integrations":{"All":false,"Refiner":true}}""");

        List<TestRecord<String, RefinerRequestRecord>> out = requests.readRecordsToList();
        assertThat(out).extracting(r -> r.value().getMessageId()).containsExactly("b-1", "b-2", "b-4");
        assertThat(out).extracting(TestRecord::key).containsExactly("u-1", "u-1", "u-2");
        assertThat(body(out.get(0).value())).isEqualTo(json.readTree("""
                {"id":"u-1","email":"ann@example.com","name":"Ann"}"""));
        assertThat(body(out.get(2).value())).isEqualTo(json.readTree("""
                {"id":"u-2","email":"own@example.com","event":"F"}"""));
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void aRejectedEventOfABatchIsDeadLetteredAloneWithTheEnvelopeFoldedIn() throws Exception {
        send("batch-key", """
                {"batch":[
                   {"type":"track","messageId":"ok","userId":"u","event":"E"},
                   {"type":"track","messageId":"bad","anonymousId":"a-1"}
                 ],
                 "context":{"ip":"10.0.0.1"},
                 "integrations":{"Refiner":true}}""");

        TestRecord<byte[], byte[]> deadLetter = deadLetters.readRecord();
        assertThat(deadLetter.key()).isEqualTo("batch-key".getBytes(StandardCharsets.UTF_8));
        assertThat(json.readTree(deadLetter.value())).isEqualTo(json.readTree("""
                {"type":"track","messageId":"bad","anonymousId":"a-1","context":{"ip":"10.0.0.1"},"integrations":{"Refiner":true}}"""));
        assertThat(header(deadLetter.headers(), DeadLetterHeaders.REASON)).isEqualTo("MISSING_IDENTITY");
        assertThat(requests.readValue().getMessageId()).isEqualTo("ok");
    }

    @Test
    void deadLetterHeadersDoNotLeakOntoRequestsOfTheSameRecord() {
        send("k", """
                {"batch":[{"type":"identify"},{"type":"track","userId":"u","event":"E"}]}""");

        assertThat(deadLetters.readRecord().headers().lastHeader(DeadLetterHeaders.REASON)).isNotNull();
        assertThat(requests.readRecord().headers().toArray())
                .noneMatch(h -> h.key().startsWith(DeadLetterHeaders.PREFIX));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private double total(String metric, String reason) {
        return driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals(metric))
                .filter(e -> reason.equals(e.getKey().tags().get(OutcomeMetrics.SCOPE + "-id")))
                .map(Map.Entry::getValue)
                .map(Metric::metricValue)
                .mapToDouble(v -> (Double) v)
                .sum();
    }
}

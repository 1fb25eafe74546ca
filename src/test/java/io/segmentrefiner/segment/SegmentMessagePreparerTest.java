package io.segmentrefiner.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.segment.SegmentMessagePreparer.Prepared;
import io.segmentrefiner.segment.SegmentMessagePreparer.Ready;
import io.segmentrefiner.segment.SegmentMessagePreparer.Unsendable;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

class SegmentMessagePreparerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    // Nanoseconds on purpose: receivedAt shows milliseconds only.
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-11-28T10:00:00.123456789Z"), ZoneOffset.UTC);

    private final AtomicInteger ids = new AtomicInteger();
    // Stands in for the contact lookup of the command: the person is whatever "person" says.
    private final Function<SegmentEvent, Optional<String>> person = event -> event.text("person");
    private final SegmentMessagePreparer preparer = new SegmentMessagePreparer(JSON, person, NOW, () -> "generated-" + ids.incrementAndGet());

    // --- the key ---

    @Test
    void keyIsThePersonFirst() {
        assertThat(key("""
                {"type":"track","messageId":"m-1","person":"u-1","anonymousId":"a-1"}""")).isEqualTo("u-1");
    }

    @Test
    void keyIsTheAnonymousIdWithoutAPerson() {
        assertThat(key("""
                {"type":"track","messageId":"m-1","anonymousId":"a-1"}""")).isEqualTo("a-1");
    }

    @Test
    void keyIsTheMessageIdWithoutAPersonOrAnonymousId() {
        assertThat(key("""
                {"type":"track","messageId":"m-1","anonymousId":"  "}""")).isEqualTo("m-1");
    }

    @Test
    void keyIsTheFilledInMessageIdWhenTheEventHadNone() {
        assertThat(key("""
                {"type":"track"}""")).isEqualTo("generated-1");
    }

    @Test
    void personIsAskedAboutTheEventAsSent() {
        SegmentMessagePreparer byMessageId = new SegmentMessagePreparer(JSON, event -> event.messageId().map(id -> "person-" + id),
                NOW, () -> "generated");

        Ready ready = (Ready) byMessageId.prepare(bytes("{\"type\":\"track\"}")).get(0);

        assertThat(ready.key()).isEqualTo("person-generated");
    }

    // --- messageId and receivedAt ---

    @Test
    void fillsInAMessageIdAndAReceivedAtWhenAbsent() {
        JsonNode sent = value("""
                {"type":"identify","userId":"u-1","traits":{"plan":"pro"}}""");

        assertThat(sent.get("messageId").asText()).isEqualTo("generated-1");
        assertThat(sent.get("receivedAt").asText()).isEqualTo("2026-11-28T10:00:00.123Z");
        assertThat(sent.get("userId").asText()).isEqualTo("u-1");
        assertThat(sent.at("/traits/plan").asText()).isEqualTo("pro");
    }

    @Test
    void receivedAtAlwaysShowsMilliseconds() {
        SegmentMessagePreparer onTheSecond = new SegmentMessagePreparer(JSON, person,
                Clock.fixed(Instant.parse("2026-11-28T10:00:00Z"), ZoneOffset.UTC), () -> "m");

        JsonNode sent = json(((Ready) onTheSecond.prepare(bytes("{\"type\":\"track\"}")).get(0)).value());

        assertThat(sent.get("receivedAt").asText()).isEqualTo("2026-11-28T10:00:00.000Z");
    }

    @Test
    void keepsAMessageIdAndAReceivedAtThatArePresent() {
        JsonNode sent = value("""
                {"type":"track","messageId":"m-1","receivedAt":"2020-01-01T00:00:00.000Z"}""");

        assertThat(sent.get("messageId").asText()).isEqualTo("m-1");
        assertThat(sent.get("receivedAt").asText()).isEqualTo("2020-01-01T00:00:00.000Z");
        assertThat(ids).hasValue(0);
    }

    @Test
    void fillsInOnlyWhatIsMissing() {
        JsonNode onlyReceivedAt = value("""
                {"type":"track","messageId":"m-1"}""");
        JsonNode onlyMessageId = value("""
                {"type":"track","receivedAt":"2020-01-01T00:00:00.000Z"}""");

        assertThat(onlyReceivedAt.get("messageId").asText()).isEqualTo("m-1");
        assertThat(onlyReceivedAt.get("receivedAt").asText()).isEqualTo("2026-11-28T10:00:00.123Z");
        assertThat(onlyMessageId.get("messageId").asText()).isEqualTo("generated-1");
        assertThat(onlyMessageId.get("receivedAt").asText()).isEqualTo("2020-01-01T00:00:00.000Z");
    }

    @Test
    void blankOrNullMessageIdCountsAsAbsent() {
        assertThat(value("{\"type\":\"track\",\"messageId\":\"\"}").get("messageId").asText()).isEqualTo("generated-1");
        assertThat(value("{\"type\":\"track\",\"messageId\":null}").get("messageId").asText()).isEqualTo("generated-2");
    }

    @Test
    void aCompleteEventIsSentAsItsOriginalBytes() {
        byte[] line = bytes("{ \"messageId\" : \"m-1\",\"type\":\"track\", \"receivedAt\":\"2020-01-01T00:00:00.000Z\"}");

        Ready ready = (Ready) preparer.prepare(line).get(0);

        assertThat(ready.value()).isEqualTo(line);
    }

    // --- batch envelopes ---

    @Test
    void batchEnvelopeIsSplitIntoItsEventsWithContextAndIntegrationsFoldedIn() {
        List<Prepared> prepared = preparer.prepare(bytes("""
                {"batch":[
                   {"type":"track","messageId":"b-1","person":"u-1","event":"Opened","context":{"page":{"path":"/a"}}},
                   {"type":"identify","person":"u-2","context":{"library":{"name":"own"}}}
                 ],
                 "context":{"library":{"name":"analytics-java","version":"3.5"},"ip":"8.8.8.8"},
                 "integrations":{"All":false}}"""));

        assertThat(prepared).hasSize(2).allMatch(Ready.class::isInstance);
        Ready first = (Ready) prepared.get(0);
        Ready second = (Ready) prepared.get(1);
        assertThat(first.key()).isEqualTo("u-1");
        assertThat(second.key()).isEqualTo("u-2");
        assertThat(json(first.value())).isEqualTo(json("""
                {"type":"track","messageId":"b-1","person":"u-1","event":"Opened",
                 "context":{"page":{"path":"/a"},"library":{"name":"analytics-java","version":"3.5"},"ip":"8.8.8.8"},
                 "integrations":{"All":false},"receivedAt":"2026-11-28T10:00:00.123Z"}"""));
        JsonNode identify = json(second.value());
        assertThat(identify.at("/context/library/name").asText()).as("the event's own context wins").isEqualTo("own");
        assertThat(identify.at("/context/library/version").asText()).isEqualTo("3.5");
        assertThat(identify.at("/context/ip").asText()).isEqualTo("8.8.8.8");
        assertThat(identify.get("messageId").asText()).isEqualTo("generated-1");
        assertThat(identify.has("batch")).isFalse();
    }

    @Test
    void batchElementThatIsNotAnObjectIsRefusedAndTheOthersKept() {
        List<Prepared> prepared = preparer.prepare(bytes("""
                {"batch":[{"type":"track","messageId":"b-1"},"oops",{"type":"page","messageId":"b-2"}]}"""));

        assertThat(prepared).hasSize(3);
        assertThat(((Ready) prepared.get(0)).key()).isEqualTo("b-1");
        assertThat(((Unsendable) prepared.get(1)).problem()).isEqualTo("a batch element that is a JSON string, not an object");
        assertThat(((Ready) prepared.get(2)).key()).isEqualTo("b-2");
    }

    @Test
    void emptyBatchHasNothingToSend() {
        assertThat(preparer.prepare(bytes("{\"batch\":[]}"))).isEmpty();
    }

    // --- lines that are not JSON objects ---

    @Test
    void lineThatIsNotJsonIsRefusedWithTheParsersMessage() {
        List<Prepared> prepared = preparer.prepare(bytes("{\"type\":\"track\","));

        assertThat(prepared).singleElement().isInstanceOfSatisfying(Unsendable.class,
                refused -> assertThat(refused.problem()).startsWith("not JSON: Unexpected end-of-input"));
    }

    @Test
    void trailingTextAfterAnObjectIsRefused() {
        assertThat(preparer.prepare(bytes("{\"type\":\"track\"} {\"type\":\"page\"}")))
                .singleElement().isInstanceOfSatisfying(Unsendable.class, refused -> assertThat(refused.problem()).startsWith("not JSON: "));
    }

    @Test
    void jsonThatIsNotAnObjectIsRefused() {
        assertThat(preparer.prepare(bytes("[{\"type\":\"track\"}]"))).containsExactly(new Unsendable("a JSON array, not an object"));
        assertThat(preparer.prepare(bytes("\"track\""))).containsExactly(new Unsendable("a JSON string, not an object"));
        assertThat(preparer.prepare(bytes("42"))).containsExactly(new Unsendable("a JSON number, not an object"));
        assertThat(ids).hasValue(0);
    }

    private String key(String line) {
        return ((Ready) preparer.prepare(bytes(line)).get(0)).key();
    }

    private JsonNode value(String line) {
        List<Prepared> prepared = preparer.prepare(bytes(line));
        assertThat(prepared).singleElement().isInstanceOf(Ready.class);
        return json(((Ready) prepared.get(0)).value());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    private static JsonNode json(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode json(String text) {
        return json(bytes(text));
    }
}

package io.segmentrefiner.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

class SegmentMessageReaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SegmentMessageReader reader = new SegmentMessageReader(new ObjectMapper());

    // --- single events ---

    @Test
    void singleEventIsReadAsOneSegmentEvent() {
        String track = """
                {
                  "type": "track",
                  "messageId": "ajs-next-5b1e9f3c7a",
                  "timestamp": "2024-05-02T10:30:00.000Z",
                  "userId": "97980cfea0067",
                  "event": "Order Completed",
                  "context": {"ip": "8.8.8.8", "library": {"name": "analytics.js", "version": "2.11.1"}},
                  "properties": {"revenue": 25.0}
                }
                """;

        List<IncomingEvent> events = reader.read(track.getBytes(UTF_8));

        assertThat(events).hasSize(1);
        SegmentEvent event = segmentEvent(events.get(0));
        assertThat((JsonNode) event.json()).isEqualTo(tree(track));
        assertThat(event.messageId()).contains("ajs-next-5b1e9f3c7a");
        assertThat(event.type()).contains("track");
    }

    @Test
    void singleEventSourceIsTheOriginalBytesUnchanged() {
        // Unusual spacing, key order and a unicode escape: any re-serialization would change these bytes.
        byte[] value = """
                {  "userId":"u-1" ,"type" : "identify",
                   "traits": {"name": "Ren\\u00e9e", "score": 1.50} }
                """.getBytes(UTF_8);

        SegmentEvent event = segmentEvent(reader.read(value).get(0));

        assertThat(event.source()).isEqualTo(value);
    }

    @Test
    void objectWithBatchAndTypeIsASingleEventNotAnEnvelope() {
        byte[] value = """
                {"type": "track", "userId": "u-1", "event": "Imported", "batch": [{"type": "track"}]}
                """.getBytes(UTF_8);

        List<IncomingEvent> events = reader.read(value);

        assertThat(events).hasSize(1);
        assertThat(segmentEvent(events.get(0)).source()).isEqualTo(value);
    }

    // --- values that are not a JSON object ---

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "not json at all",
            "{\"type\": \"track\",",
            "[{\"type\": \"track\", \"userId\": \"u-1\", \"event\": \"X\"}]",
            "\"a string\"",
            "42",
            "true",
            "null",
            "",
            "   "})
    void valueThatIsNotAJsonObjectIsUnreadableWithItsBytes(String text) {
        byte[] value = text.getBytes(UTF_8);

        List<IncomingEvent> events = reader.read(value);

        assertThat(events).hasSize(1);
        assertThat(events.get(0)).isInstanceOf(UnreadableEvent.class);
        assertThat(events.get(0).source()).isEqualTo(value);
    }

    @Test
    void nullValueIsUnreadable() {
        List<IncomingEvent> events = reader.read(null);

        assertThat(events).hasSize(1);
        assertThat(events.get(0)).isInstanceOf(UnreadableEvent.class);
    }

    @Test
    void objectFollowedByTrailingGarbageIsNotAJsonObject() {
        byte[] value = "{\"type\": \"track\", \"userId\": \"u-1\", \"event\": \"X\"} trailing garbage".getBytes(UTF_8);

        List<IncomingEvent> events = reader.read(value);

        assertThat(events).hasSize(1);
        assertThat(events.get(0)).isInstanceOf(UnreadableEvent.class);
    }

    @Test
    void twoConcatenatedObjectsAreNotAJsonObject() {
        byte[] value = """
                {"type": "track", "userId": "u-1", "event": "First"}{"type": "track", "userId": "u-1", "event": "Second"}
                """.getBytes(UTF_8);

        List<IncomingEvent> events = reader.read(value);

        assertThat(events).hasSize(1);
        assertThat(events.get(0)).isInstanceOf(UnreadableEvent.class);
    }

    // --- values that are not UTF-8 ---

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "c328",          // C3 then '(', not a continuation byte
            "ff",            // never in UTF-8
            "80",            // a stray continuation byte
            "c0af",          // overlong '/'
            "e080af",        // overlong '/' in three bytes
            "eda080",        // the surrogate U+D800
            "f4908080",      // U+110000, above U+10FFFF
            "e282"})         // truncated: the end of the value in the middle of a sequence
    void anEventWithBytesThatAreNotUtf8IsUnreadableWithItsBytesAndWhereTheyAre(String hex) {
        // Valid JSON around the bad bytes: Jackson alone accepts some of them (the overlong forms, the surrogate).
        byte[] before = "{\"type\":\"track\",\"userId\":\"u-1\",\"event\":\"".getBytes(UTF_8);
        byte[] value = concat(before, HexFormat.of().parseHex(hex), "\"}".getBytes(UTF_8));

        List<IncomingEvent> events = reader.read(value);

        assertThat(events).hasSize(1);
        UnreadableEvent unreadable = unreadable(events.get(0));
        assertThat(unreadable.problem()).isEqualTo("not UTF-8: a malformed byte sequence at byte " + before.length);
        assertThat(unreadable.source()).isEqualTo(value);
    }

    @Test
    void aBatchEnvelopeWithOneElementThatIsNotUtf8IsOneUnreadableRecord() {
        byte[] value = concat("""
                {"batch":[{"type":"track","messageId":"m-1","userId":"u-1","event":"X"},
                          {"type":"track","messageId":"m-2","userId":"u-1","event":\"""".getBytes(UTF_8),
                new byte[]{(byte) 0xC3, 0x28}, "\"}]}".getBytes(UTF_8));

        List<IncomingEvent> events = reader.read(value);

        assertThat(events).as("the whole record is checked before any element is read").hasSize(1);
        assertThat(unreadable(events.get(0)).problem()).startsWith("not UTF-8: a malformed byte sequence at byte ");
        assertThat(events.get(0).source()).isEqualTo(value);
    }

    @Test
    void jsonInUtf16OrUtf32IsUnreadableThoughJacksonWouldDetectAndReadIt() {
        String track = "{\"type\":\"track\",\"userId\":\"u-1\",\"event\":\"X\"}";

        for (Charset charset : List.of(StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE, Charset.forName("UTF-32BE"), Charset.forName("UTF-32LE"))) {
            List<IncomingEvent> events = reader.read(track.getBytes(charset));

            assertThat(events).as(charset.name()).hasSize(1);
            assertThat(unreadable(events.get(0)).problem()).as(charset.name()).startsWith("not JSON: a NUL byte at byte ")
                    .endsWith("(JSON is UTF-8, not UTF-16 or UTF-32)");
        }
    }

    @Test
    void aByteOrderMarkIsUtf8AndSkipped() {
        byte[] value = concat(HexFormat.of().parseHex("efbbbf"), "{\"type\":\"track\",\"userId\":\"u-1\",\"event\":\"X\"}".getBytes(UTF_8));

        assertThat(segmentEvent(reader.read(value).get(0)).type()).contains("track");
    }

    @Test
    void wellFormedMultiByteCharactersAreRead() {
        String name = "Renée 😀 " + new String(Character.toChars(Character.MAX_CODE_POINT));

        SegmentEvent event = segmentEvent(reader.read(bytes("{\"type\":\"track\",\"userId\":\"u-1\",\"event\":\"" + name + "\"}")).get(0));

        assertThat(event.text("event")).contains(name);
    }

    // --- batch envelopes ---

    @Test
    void batchYieldsOneEventPerElementInOrder() {
        List<IncomingEvent> events = reader.read(bytes("""
                {
                  "batch": [
                    {"type": "identify", "messageId": "m-1", "userId": "u-1", "traits": {"plan": "pro"}},
                    {"type": "track", "messageId": "m-2", "userId": "u-1", "event": "Signed Up"},
                    {"type": "page", "messageId": "m-3", "userId": "u-1", "name": "Home"}
                  ],
                  "sentAt": "2024-05-02T10:30:01.000Z"
                }
                """));

        assertThat(events).hasSize(3);
        assertThat(events).allSatisfy(event -> assertThat(event).isInstanceOf(SegmentEvent.class));
        assertThat(events.stream().map(event -> ((SegmentEvent) event).messageId().orElseThrow()))
                .containsExactly("m-1", "m-2", "m-3");
    }

    @Test
    void emptyBatchYieldsNoEvents() {
        assertThat(reader.read(bytes("""
                {"batch": [], "context": {"library": {"name": "analytics-node"}}}
                """))).isEmpty();
    }

    @Test
    void envelopeContextIsTheContextOfAnEventWithoutOne() {
        List<IncomingEvent> events = reader.read(bytes("""
                {"batch": [{"type": "track", "userId": "u-1", "event": "X"}],
                 "context": {"library": {"name": "analytics-node", "version": "6.2.0"}, "ip": "8.8.8.8"}}
                """));

        assertThat(segmentEvent(events.get(0)).at("context")).isEqualTo(tree("""
                {"library": {"name": "analytics-node", "version": "6.2.0"}, "ip": "8.8.8.8"}
                """));
    }

    @Test
    void envelopeContextIsTheContextOfAnEventWithNullContext() {
        List<IncomingEvent> events = reader.read(bytes("""
                {"batch": [{"type": "track", "userId": "u-1", "event": "X", "context": null}],
                 "context": {"ip": "8.8.8.8"}}
                """));

        assertThat(segmentEvent(events.get(0)).at("context")).isEqualTo(tree("""
                {"ip": "8.8.8.8"}
                """));
    }

    @Test
    void envelopeContextFillsInWhatTheEventContextLacksRecursivelyAndTheEventWins() {
        List<IncomingEvent> events = reader.read(bytes("""
                {
                  "batch": [{
                    "type": "identify", "userId": "u-1",
                    "context": {
                      "ip": "1.1.1.1",
                      "library": {"name": "analytics-ruby"},
                      "traits": {"email": "own@example.com", "address": {"city": "Austin"}}
                    }
                  }],
                  "context": {
                    "ip": "8.8.8.8",
                    "locale": "en-US",
                    "library": {"name": "analytics-node", "version": "6.2.0"},
                    "traits": {"email": "envelope@example.com", "plan": "pro", "address": {"city": "Dallas", "state": "TX"}}
                  }
                }
                """));

        assertThat(segmentEvent(events.get(0)).at("context")).isEqualTo(tree("""
                {
                  "ip": "1.1.1.1",
                  "locale": "en-US",
                  "library": {"name": "analytics-ruby", "version": "6.2.0"},
                  "traits": {"email": "own@example.com", "plan": "pro", "address": {"city": "Austin", "state": "TX"}}
                }
                """));
    }

    @Test
    void eventContextValueWinsEvenWhenTheEnvelopeHasAnObjectThere() {
        List<IncomingEvent> events = reader.read(bytes("""
                {"batch": [{"type": "track", "userId": "u-1", "event": "X", "context": {"library": "custom"}}],
                 "context": {"library": {"name": "analytics-node"}}}
                """));

        assertThat(segmentEvent(events.get(0)).at("context")).isEqualTo(tree("""
                {"library": "custom"}
                """));
    }

    @Test
    void eventsOfABatchDoNotShareTheirMergedContext() {
        List<IncomingEvent> events = reader.read(bytes("""
                {"batch": [
                   {"type": "track", "userId": "u-1", "event": "X", "context": {"traits": {"email": "first@example.com"}}},
                   {"type": "track", "userId": "u-2", "event": "Y"}
                 ],
                 "context": {"ip": "8.8.8.8", "traits": {"plan": "pro"}}}
                """));

        assertThat(segmentEvent(events.get(0)).at("context")).isEqualTo(tree("""
                {"ip": "8.8.8.8", "traits": {"email": "first@example.com", "plan": "pro"}}
                """));
        assertThat(segmentEvent(events.get(1)).at("context")).isEqualTo(tree("""
                {"ip": "8.8.8.8", "traits": {"plan": "pro"}}
                """));
    }

    @Test
    void envelopeIntegrationsApplyToEventsWithoutTheirOwn() {
        List<IncomingEvent> events = reader.read(bytes("""
                {"batch": [
                   {"type": "track", "userId": "u-1", "event": "X"},
                   {"type": "track", "userId": "u-1", "event": "Y", "integrations": {"Refiner": true}},
                   {"type": "track", "userId": "u-1", "event": "Z", "integrations": null}
                 ],
                 "integrations": {"All": false}}
                """));

        assertThat(segmentEvent(events.get(0)).at("integrations")).isEqualTo(tree("""
                {"All": false}
                """));
        assertThat(segmentEvent(events.get(1)).at("integrations")).isEqualTo(tree("""
                {"Refiner": true}
                """));
        assertThat(segmentEvent(events.get(2)).at("integrations")).isEqualTo(tree("""
                {"All": false}
                """));
    }

    @Test
    void batchEventSourceIsTheStandaloneEventWithEnvelopeContextAndIntegrationsFoldedIn() {
        List<IncomingEvent> events = reader.read(bytes("""
                {
                  "batch": [{
                    "type": "track", "messageId": "m-1", "timestamp": "2024-05-02T10:30:00.000Z",
                    "userId": "u-1", "event": "Order Completed", "properties": {"revenue": 25},
                    "context": {"traits": {"email": "peter@example.com"}}
                  }],
                  "context": {"library": {"name": "analytics-node", "version": "6.2.0"}},
                  "integrations": {"All": false, "Refiner": true},
                  "sentAt": "2024-05-02T10:30:01.000Z"
                }
                """));

        SegmentEvent event = segmentEvent(events.get(0));
        JsonNode expected = tree("""
                {
                  "type": "track", "messageId": "m-1", "timestamp": "2024-05-02T10:30:00.000Z",
                  "userId": "u-1", "event": "Order Completed", "properties": {"revenue": 25},
                  "context": {"traits": {"email": "peter@example.com"}, "library": {"name": "analytics-node", "version": "6.2.0"}},
                  "integrations": {"All": false, "Refiner": true}
                }
                """);
        assertThat(tree(event.source())).isEqualTo(expected);
        assertThat((JsonNode) event.json()).isEqualTo(expected);
    }

    @Test
    void nonObjectBatchElementIsUnreadableInItsPlace() {
        List<IncomingEvent> events = reader.read(bytes("""
                {"batch": [
                   {"type": "track", "messageId": "m-1", "userId": "u-1", "event": "X"},
                   "oops",
                   42,
                   null,
                   {"type": "track", "messageId": "m-2", "userId": "u-1", "event": "Y"}
                 ]}
                """));

        assertThat(events).hasSize(5);
        assertThat(segmentEvent(events.get(0)).messageId()).contains("m-1");
        assertThat(events.get(1)).isInstanceOf(UnreadableEvent.class);
        assertThat(tree(events.get(1).source())).isEqualTo(tree("\"oops\""));
        assertThat(events.get(2)).isInstanceOf(UnreadableEvent.class);
        assertThat(tree(events.get(2).source())).isEqualTo(tree("42"));
        assertThat(events.get(3)).isInstanceOf(UnreadableEvent.class);
        assertThat(segmentEvent(events.get(4)).messageId()).contains("m-2");
    }

    // --- SegmentEvent accessors used by the checks ---

    @Test
    void textTreatsBlankAsAbsentAndNumbersAsTheirDecimalText() {
        SegmentEvent event = segmentEvent(reader.read(bytes("""
                {"userId": 42, "groupId": 12345678901234567890, "blank": "  ", "flag": true,
                 "traits": {"email": "a@example.com"}}
                """)).get(0));

        assertThat(event.text("userId")).contains("42");
        assertThat(event.text("groupId")).contains("12345678901234567890");
        assertThat(event.text("blank")).isEmpty();
        assertThat(event.text("flag")).isEmpty();
        assertThat(event.text("missing")).isEmpty();
        assertThat(event.text("traits.email")).contains("a@example.com");
    }

    @Test
    void textPassesOverANumberTooLargeForADouble() {
        // 1e999 reads as infinity, which has no decimal text (BigDecimal refuses it): not an id, a type or a name.
        SegmentEvent event = segmentEvent(reader.read(bytes("""
                {"type": 1e999, "userId": 1e999, "messageId": -1e999, "small": 1e-400, "large": 1.5e308}
                """)).get(0));

        assertThat(event.type()).isEmpty();
        assertThat(event.text("userId")).isEmpty();
        assertThat(event.messageId()).isEmpty();
        assertThat(event.text("small")).contains("0.0");
        assertThat(event.text("large")).contains("15" + "0".repeat(307));
    }

    // --- helpers ---

    private static byte[] bytes(String json) {
        return json.getBytes(UTF_8);
    }

    private static JsonNode tree(String json) {
        return tree(bytes(json));
    }

    private static JsonNode tree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static UnreadableEvent unreadable(IncomingEvent incoming) {
        assertThat(incoming).isInstanceOf(UnreadableEvent.class);
        return (UnreadableEvent) incoming;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static SegmentEvent segmentEvent(IncomingEvent incoming) {
        assertThat(incoming).isInstanceOf(SegmentEvent.class);
        return (SegmentEvent) incoming;
    }
}

package io.segmentrefiner.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.segment.SegmentEvent;
import io.segmentrefiner.segment.SegmentMessageReader;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One batch envelope sent both ways in, as a record of the input topic and as a call to the HTTP Tracking API:
 * each event comes out with the same {@code context}, {@code integrations} and {@code messageId}.
 */
class BatchEnvelopeBothWaysTest {

    private static final String ENVELOPE = """
            {"batch":[
               {"type":"identify","userId":"u","messageId":"m-1"},
               {"type":"track","userId":"u","event":"E","messageId":"m-2","context":{"ip":"own","library":{"version":"9"}}},
               {"type":"track","userId":"u","event":"E","messageId":"m-3","context":null,"integrations":null},
               {"type":"track","userId":"u","event":"E","messageId":"m-4","context":"not an object","integrations":{"Refiner":false}},
               {"type":"page","userId":"u","messageId":42}],
             "context":{"library":{"name":"analytics-java","version":"3.5.4"},"locale":"de-DE"},
             "integrations":{"All":true},
             "writeKey":"wk_web"}""";

    @Test
    void theTopicAndTheTrackingApiFoldTheEnvelopeIntoEachEventAlike() {
        ObjectMapper json = new ObjectMapper();
        List<ObjectNode> fromTheTopic = new SegmentMessageReader(json).read(ENVELOPE.getBytes(StandardCharsets.UTF_8)).stream()
                .map(event -> ((SegmentEvent) event).json()).toList();
        TrackingRequest.Answer outcome = new TrackingRequest(json, Set.of("wk_web")).handle("/v1/batch",
                Optional.of("Basic " + Base64.getEncoder().encodeToString("wk_web:".getBytes(StandardCharsets.UTF_8))),
                Optional.empty(), ENVELOPE.getBytes(StandardCharsets.UTF_8), Instant.parse("2026-12-02T07:00:00Z"));
        List<ObjectNode> fromTheApi = ((TrackingRequest.Success) outcome).events().stream().map(TrackingRequest.Event::json).toList();

        assertThat(fromTheApi).hasSameSizeAs(fromTheTopic).hasSize(5);
        for (int i = 0; i < fromTheTopic.size(); i++) {
            for (String field : List.of("context", "integrations", "messageId")) {
                assertThat(fromTheApi.get(i).get(field)).as("event %d's %s", i, field).isEqualTo(fromTheTopic.get(i).get(field));
            }
        }
        assertThat(fromTheTopic.get(1).get("context").toString()).as("the event's own values win, the envelope fills in the rest")
                .isEqualTo("{\"ip\":\"own\",\"library\":{\"version\":\"9\",\"name\":\"analytics-java\"},\"locale\":\"de-DE\"}");
        assertThat(fromTheTopic.get(2).get("context").path("locale").asText()).as("a null context is replaced").isEqualTo("de-DE");
        assertThat(fromTheTopic.get(2).get("integrations").toString()).isEqualTo("{\"All\":true}");
        assertThat(fromTheTopic.get(3).get("context").asText()).as("one that is not an object is left").isEqualTo("not an object");
        assertThat(fromTheTopic.get(3).get("integrations").toString()).as("integrations are not merged").isEqualTo("{\"Refiner\":false}");
        assertThat(fromTheApi.get(4).get("messageId").asInt()).as("a numeric messageId is one, both ways").isEqualTo(42);
        assertThat(fromTheApi).allSatisfy(event -> assertThat(event.has("writeKey")).isFalse());
    }
}

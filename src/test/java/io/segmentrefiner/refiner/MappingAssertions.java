package io.segmentrefiner.refiner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.refiner.Outcome.Rejected;
import io.segmentrefiner.refiner.Outcome.Skipped;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.segment.SegmentEvent;

import java.io.IOException;
import java.io.UncheckedIOException;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/** Building events from JSON text and asserting outcomes, shared by the mapper tests. */
final class MappingAssertions {

    static final ObjectMapper JSON = new ObjectMapper();

    private MappingAssertions() {
    }

    static SegmentEvent event(String json) {
        byte[] bytes = json.getBytes(UTF_8);
        try {
            return new SegmentEvent((ObjectNode) JSON.readTree(bytes), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Translated translated(Outcome outcome) {
        assertThat(outcome).isInstanceOf(Translated.class);
        return (Translated) outcome;
    }

    static Rejected rejected(Outcome outcome, Reason reason) {
        assertThat(outcome).isInstanceOf(Rejected.class);
        Rejected rejected = (Rejected) outcome;
        assertThat(rejected.reason()).isEqualTo(reason);
        return rejected;
    }

    static Skipped skipped(Outcome outcome, Reason reason) {
        assertThat(outcome).isInstanceOf(Skipped.class);
        Skipped skipped = (Skipped) outcome;
        assertThat(skipped.reason()).isEqualTo(reason);
        return skipped;
    }

    /** Equal to the expected JSON, and with the same key order at every level, since the body is sent as written. */
    static void assertBody(ObjectNode body, String expectedJson) {
        try {
            JsonNode expected = JSON.readTree(expectedJson);
            assertThat((JsonNode) body).isEqualTo(expected);
            assertThat(JSON.writeValueAsString(body)).isEqualTo(JSON.writeValueAsString(expected));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}

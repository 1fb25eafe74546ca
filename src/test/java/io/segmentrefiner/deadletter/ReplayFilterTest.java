package io.segmentrefiner.deadletter;

import io.segmentrefiner.refiner.Reason;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplayFilterTest {

    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    private static final Instant WRITTEN = Instant.parse("2026-11-28T10:30:00Z");

    private static Headers original() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", bytes("00-abc-01"));
        headers.add("source", bytes("ios"));
        return headers;
    }

    private static Headers translateDeadLetter(String reason) {
        return new DeadLetter(Reason.valueOf(reason), "no userId",
                new DeadLetter.Origin("segment.events", 2, 41)).appendTo(original());
    }

    private static Headers deliverDeadLetter(String reason, int status) {
        return new DeadLetter(Reason.valueOf(reason), "gave up", new DeadLetter.Origin("refiner.requests", 0, 7),
                Optional.of(new DeadLetter.Attempts(status, 4, WRITTEN.minusSeconds(60), WRITTEN, "{\"error\":1}")))
                .appendTo(original());
    }

    private static ReplayFilter filter(String stage, List<String> reasons, List<String> statuses, String since, String until) {
        return ReplayFilter.parse(stage, reasons, statuses, since, until, NOW);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Header header) {
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void withoutCriteriaEverythingMatches() {
        ReplayFilter all = filter(null, List.of(), List.of(), null, null);

        assertThat(all).isEqualTo(ReplayFilter.EVERYTHING);
        assertThat(all.matches(translateDeadLetter("MISSING_IDENTITY"), WRITTEN)).isTrue();
        assertThat(all.matches(deliverDeadLetter("HTTP_4XX", 400), WRITTEN)).isTrue();
        assertThat(all.matches(new RecordHeaders(), WRITTEN)).isTrue();
    }

    @Test
    void stageSelectsOneStage() {
        ReplayFilter deliver = filter("deliver", List.of(), List.of(), null, null);

        assertThat(deliver.matches(deliverDeadLetter("RETRIES_EXHAUSTED", 503), WRITTEN)).isTrue();
        assertThat(deliver.matches(translateDeadLetter("MISSING_IDENTITY"), WRITTEN)).isFalse();
        assertThat(deliver.matches(new RecordHeaders(), WRITTEN)).as("no stage header").isFalse();
        assertThat(filter("Translate", List.of(), List.of(), null, null).matches(translateDeadLetter("MISSING_IDENTITY"), WRITTEN)).isTrue();
    }

    @Test
    void reasonsMatchAnyOfThemWhateverTheCase() {
        ReplayFilter reasons = filter(null, List.of("missing_identity", "RETRIES_EXHAUSTED"), List.of(), null, null);

        assertThat(reasons.matches(translateDeadLetter("MISSING_IDENTITY"), WRITTEN)).isTrue();
        assertThat(reasons.matches(deliverDeadLetter("RETRIES_EXHAUSTED", 500), WRITTEN)).isTrue();
        assertThat(reasons.matches(translateDeadLetter("INVALID_JSON"), WRITTEN)).isFalse();
        assertThat(reasons.matches(deliverDeadLetter("HTTP_4XX", 400), WRITTEN)).isFalse();
    }

    @Test
    void statusClassesAndExactStatuses() {
        ReplayFilter serverErrors = filter(null, List.of(), List.of("5xx"), null, null);
        ReplayFilter throttledOrConflict = filter(null, List.of(), List.of("429", "409"), null, null);
        ReplayFilter noResponse = filter(null, List.of(), List.of("0"), null, null);

        assertThat(serverErrors.matches(deliverDeadLetter("RETRIES_EXHAUSTED", 503), WRITTEN)).isTrue();
        assertThat(serverErrors.matches(deliverDeadLetter("RETRIES_EXHAUSTED", 500), WRITTEN)).isTrue();
        assertThat(serverErrors.matches(deliverDeadLetter("RETRIES_EXHAUSTED", 429), WRITTEN)).isFalse();
        assertThat(serverErrors.matches(deliverDeadLetter("RETRIES_EXHAUSTED", 0), WRITTEN)).isFalse();
        assertThat(serverErrors.matches(translateDeadLetter("MISSING_IDENTITY"), WRITTEN)).as("no status at all").isFalse();
        assertThat(filter(null, List.of(), List.of("4XX"), null, null).matches(deliverDeadLetter("HTTP_4XX", 404), WRITTEN)).isTrue();
        assertThat(throttledOrConflict.matches(deliverDeadLetter("RETRIES_EXHAUSTED", 429), WRITTEN)).isTrue();
        assertThat(throttledOrConflict.matches(deliverDeadLetter("HTTP_4XX", 409), WRITTEN)).isTrue();
        assertThat(throttledOrConflict.matches(deliverDeadLetter("HTTP_4XX", 400), WRITTEN)).isFalse();
        assertThat(noResponse.matches(deliverDeadLetter("RETRIES_EXHAUSTED", 0), WRITTEN)).isTrue();
        assertThat(noResponse.matches(deliverDeadLetter("RETRIES_EXHAUSTED", 500), WRITTEN)).isFalse();
    }

    @Test
    void sinceIsInclusiveAndUntilExclusiveAsInstantsOrDurationsAgo() {
        ReplayFilter window = filter(null, List.of(), List.of(), "2026-11-28T10:00:00Z", "2026-11-28T11:00:00Z");
        Headers headers = translateDeadLetter("MISSING_IDENTITY");

        assertThat(window.matches(headers, Instant.parse("2026-11-28T10:00:00Z"))).isTrue();
        assertThat(window.matches(headers, Instant.parse("2026-11-28T10:59:59.999Z"))).isTrue();
        assertThat(window.matches(headers, Instant.parse("2026-11-28T11:00:00Z"))).isFalse();
        assertThat(window.matches(headers, Instant.parse("2026-11-28T09:59:59.999Z"))).isFalse();

        assertThat(filter(null, List.of(), List.of(), "2h", "30m").since()).contains(Instant.parse("2026-11-28T10:00:00Z"));
        assertThat(filter(null, List.of(), List.of(), "2h", "30m").until()).contains(Instant.parse("2026-11-28T11:30:00Z"));
        assertThat(filter(null, List.of(), List.of(), "1d", null).since()).contains(Instant.parse("2026-11-27T12:00:00Z"));
        assertThat(filter(null, List.of(), List.of(), "PT90M", null).since()).contains(Instant.parse("2026-11-28T10:30:00Z"));
        assertThat(filter(null, List.of(), List.of(), null, "2026-11-28T11:00:00+01:00").until()).contains(Instant.parse("2026-11-28T10:00:00Z"));
    }

    @Test
    void allCriteriaMustHold() {
        ReplayFilter both = filter("deliver", List.of("RETRIES_EXHAUSTED"), List.of("5xx"), "2h", null);

        assertThat(both.matches(deliverDeadLetter("RETRIES_EXHAUSTED", 503), WRITTEN)).isTrue();
        assertThat(both.matches(deliverDeadLetter("RETRIES_EXHAUSTED", 503), NOW.minusSeconds(3 * 3600))).isFalse();
        assertThat(both.matches(deliverDeadLetter("HTTP_4XX", 503), WRITTEN)).isFalse();
        assertThat(both.matches(deliverDeadLetter("RETRIES_EXHAUSTED", 429), WRITTEN)).isFalse();
    }

    @Test
    void badFlagValuesAreRefusedNamingTheFlag() {
        assertThatThrownBy(() -> filter(null, List.of(), List.of(), "yesterday", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--since: 'yesterday'");
        assertThatThrownBy(() -> filter(null, List.of(), List.of(), null, "2026-13-01T00:00:00Z"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--until:");
        assertThatThrownBy(() -> filter("retry", List.of(), List.of(), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--stage: 'retry'");
        assertThatThrownBy(() -> filter(null, List.of(), List.of("6xx"), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--status: '6xx'");
        assertThatThrownBy(() -> filter(null, List.of(), List.of("50"), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--status: '50'");
        assertThatThrownBy(() -> filter(null, List.of(" "), List.of(), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--reason:");
        assertThatThrownBy(() -> filter(null, List.of("MISSING_IDENTITI"), List.of(), null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--reason: 'MISSING_IDENTITI' is not a reason code; a dead letter's reason is one of [INVALID_JSON, "
                        + "MISSING_TYPE, MISSING_IDENTITY, MISSING_EVENT, MISSING_GROUP_ID, PROCESSING_ERROR, SERIALIZATION_ERROR, "
                        + "RECORD_TOO_LARGE, UNREADABLE_REQUEST, RETRIES_EXHAUSTED, HTTP_4XX, HOLD_LIMIT]");
        assertThatThrownBy(() -> filter(null, List.of("disabled"), List.of(), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--reason: DISABLED is a skip (counted, never dead-lettered)");
        assertThatThrownBy(() -> filter(null, List.of(), List.of(), "1h", "2h"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not before --until");
    }

    @Test
    void fromOffsetsArePartitionOffsetPairs() {
        assertThat(ReplayOptions.parseOffsets("0:120, 1:98")).isEqualTo(Map.of(0, 120L, 1, 98L));
        for (String bad : List.of("", "0", "0:", "a:1", "0:-1", "-1:5", "0:1:2")) {
            assertThatThrownBy(() -> ReplayOptions.parseOffsets(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--from-offsets:");
        }
        assertThatThrownBy(() -> ReplayOptions.parseOffsets("0:1,0:2")).hasMessageContaining("partition 0 is given twice");
    }

    @Test
    void aRecordReplayedMaxReplaysTimesIsLeftAlone() {
        ReplayOptions options = new ReplayOptions("refiner.dlq", ReplayFilter.EVERYTHING, 3, Map.of(), false);
        Headers fresh = translateDeadLetter("MISSING_IDENTITY");
        Headers twice = translateDeadLetter("MISSING_IDENTITY");
        twice.add(ReplayHeaders.COUNT, bytes("2"));
        Headers thrice = translateDeadLetter("MISSING_IDENTITY");
        thrice.add(ReplayHeaders.COUNT, bytes("3"));
        Headers garbled = translateDeadLetter("MISSING_IDENTITY");
        garbled.add(ReplayHeaders.COUNT, bytes("three"));

        assertThat(options.decide(fresh, WRITTEN).action()).isEqualTo(ReplayOptions.Action.REPLAY);
        assertThat(options.decide(twice, WRITTEN).action()).isEqualTo(ReplayOptions.Action.REPLAY);
        assertThat(options.decide(thrice, WRITTEN))
                .isEqualTo(new ReplayOptions.Decision(ReplayOptions.Action.LEFT_ALONE, "replayed 3 times already (--max-replays 3)"));
        assertThat(options.decide(garbled, WRITTEN).action()).as("a count that cannot be read must not loop").isEqualTo(ReplayOptions.Action.LEFT_ALONE);
        assertThat(new ReplayOptions("refiner.dlq", ReplayFilter.EVERYTHING, 4, Map.of(), false).decide(thrice, WRITTEN).action())
                .isEqualTo(ReplayOptions.Action.REPLAY);
        assertThatThrownBy(() -> new ReplayOptions("refiner.dlq", ReplayFilter.EVERYTHING, 0, Map.of(), false))
                .hasMessageStartingWith("--max-replays:");
    }

    @Test
    void theFilterComesBeforeTheCapAndADeadLetterWithoutAnOriginIsLeftAlone() {
        ReplayOptions deliverOnly = new ReplayOptions("refiner.dlq", filter("deliver", List.of(), List.of(), null, null), 1, Map.of(), false);
        Headers replayedTranslate = translateDeadLetter("MISSING_IDENTITY");
        replayedTranslate.add(ReplayHeaders.COUNT, bytes("5"));
        Headers noOrigin = deliverDeadLetter("HTTP_4XX", 400);
        noOrigin.remove(DeadLetterHeaders.ORIGIN_TOPIC);
        Headers loop = deliverDeadLetter("HTTP_4XX", 400);
        loop.remove(DeadLetterHeaders.ORIGIN_TOPIC);
        loop.add(DeadLetterHeaders.ORIGIN_TOPIC, bytes("refiner.dlq"));

        assertThat(deliverOnly.decide(replayedTranslate, WRITTEN).action()).isEqualTo(ReplayOptions.Action.SKIPPED_BY_FILTER);
        assertThat(deliverOnly.decide(noOrigin, WRITTEN).action()).isEqualTo(ReplayOptions.Action.LEFT_ALONE);
        assertThat(deliverOnly.decide(loop, WRITTEN).action()).isEqualTo(ReplayOptions.Action.LEFT_ALONE);
        assertThat(deliverOnly.decide(deliverDeadLetter("HTTP_4XX", 400), WRITTEN))
                .isEqualTo(new ReplayOptions.Decision(ReplayOptions.Action.REPLAY, "to refiner.requests"));
    }

    @Test
    void replayedHeadersAreTheOriginalOnesInOrderWithACount() {
        Headers deadLetter = deliverDeadLetter("RETRIES_EXHAUSTED", 503);
        // As Kafka Streams' handlers write them, beside ours.
        deadLetter.add("__streams.errors.exception", bytes("java.lang.IllegalStateException"));
        deadLetter.add("__streams.errors.stacktrace", bytes("at ..."));
        deadLetter.add("after", bytes("kept"));

        Headers replayed = ReplayHeaders.forReplay(deadLetter);

        assertThat(Arrays.stream(replayed.toArray()).map(Header::key))
                .containsExactly("traceparent", "source", "after", ReplayHeaders.COUNT);
        assertThat(text(replayed.lastHeader("traceparent"))).isEqualTo("00-abc-01");
        assertThat(text(replayed.lastHeader("source"))).isEqualTo("ios");
        assertThat(text(replayed.lastHeader(ReplayHeaders.COUNT))).isEqualTo("1");
        assertThat(deadLetter.lastHeader(DeadLetterHeaders.STAGE)).as("the dead letter's headers are left as they were").isNotNull();
    }

    @Test
    void theReplayCountGoesUpFromTheOneTheRecordCarries() {
        Headers twice = new RecordHeaders();
        twice.add("a", bytes("1"));
        twice.add(ReplayHeaders.COUNT, bytes("2"));
        twice.add("b", bytes("2"));
        Headers deadLetterAgain = new DeadLetter(Reason.MISSING_IDENTITY, "again",
                new DeadLetter.Origin("segment.events", 0, 3)).appendTo(twice);

        Headers replayed = ReplayHeaders.forReplay(deadLetterAgain);

        assertThat(ReplayHeaders.replays(deadLetterAgain)).isEqualTo(2);
        assertThat(Arrays.stream(replayed.toArray()).map(Header::key)).containsExactly("a", "b", ReplayHeaders.COUNT);
        assertThat(replayed.headers(ReplayHeaders.COUNT)).hasSize(1);
        assertThat(text(replayed.lastHeader(ReplayHeaders.COUNT))).isEqualTo("3");
        assertThat(ReplayHeaders.replays(replayed)).isEqualTo(3);
        assertThat(ReplayHeaders.replays(original())).isZero();
    }

    @Test
    void deadLetterHeadersAreOursAndStreams() {
        assertThat(ReplayHeaders.isDeadLetterHeader("refiner.dlq.reason")).isTrue();
        assertThat(ReplayHeaders.isDeadLetterHeader("__streams.errors.offset")).isTrue();
        assertThat(ReplayHeaders.isDeadLetterHeader("refiner.replay.count")).isFalse();
        assertThat(ReplayHeaders.isDeadLetterHeader("refiner.dlqx")).isFalse();
        assertThat(ReplayHeaders.isDeadLetterHeader("traceparent")).isFalse();
    }
}

package io.segmentrefiner.topology;

import io.segmentrefiner.refiner.MappingSettings;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The copies of a messageId translated within {@code dedup.window}: skipped as {@code DUPLICATE}, counted, never sent. */
class DropDuplicatesTest {

    private static final String REGISTRY_SCOPE = "drop-duplicates-test";
    private static final Instant FIRST = Instant.parse("2026-12-01T10:00:00Z");
    private static final Duration WINDOW = Duration.ofHours(24);

    private TranslationUnderTest translation;

    private void startWith(Duration window) {
        translation = TranslationUnderTest.start(MappingSettings.DEFAULTS, window, REGISTRY_SCOPE, FIRST);
    }

    @AfterEach
    void stop() {
        translation.close();
    }

    @Test
    void aCopyOfATranslatedMessageIdIsSkippedAsDuplicateAndCounted() {
        startWith(WINDOW);

        send(track("m-1", "First"), FIRST);
        send(track("m-1", "First"), FIRST.plusSeconds(30));
        send(track("m-2", "Second"), FIRST.plusSeconds(31));

        assertThat(messageIdsOfRequests()).containsExactly("m-1", "m-2");
        assertThat(skipped("DUPLICATE")).isEqualTo(1.0);
        assertThat(translation.deadLetters().isEmpty()).as("a duplicate is never dead-lettered").isTrue();
    }

    @Test
    void aCopyIsADuplicateUpToTheWindowAndTranslatedAgainOnceItHasPassed() {
        startWith(WINDOW);

        send(track("m-1", "E"), FIRST);
        send(track("m-1", "E"), FIRST.plus(WINDOW).minusMillis(1));
        send(track("m-1", "E"), FIRST.plus(WINDOW));

        assertThat(messageIdsOfRequests()).as("the first, then the one a whole window after it").containsExactly("m-1", "m-1");
        assertThat(skipped("DUPLICATE")).isEqualTo(1.0);
    }

    @Test
    void aCopyThatArrivesWithAnEarlierTimestampWithinTheWindowIsADuplicateToo() {
        startWith(WINDOW);

        send(track("m-1", "E"), FIRST);
        send(track("m-1", "E"), FIRST.minus(Duration.ofHours(3)));

        assertThat(messageIdsOfRequests()).containsExactly("m-1");
        assertThat(skipped("DUPLICATE")).isEqualTo(1.0);
    }

    @Test
    void eventsWithoutAMessageIdAreNeverDuplicates() {
        startWith(WINDOW);

        send("{\"type\":\"track\",\"userId\":\"u-1\",\"event\":\"E\"}", FIRST);
        send("{\"type\":\"track\",\"userId\":\"u-1\",\"event\":\"E\"}", FIRST.plusSeconds(1));

        assertThat(translation.requests().readValuesToList()).hasSize(2);
        assertThat(skipped("DUPLICATE")).isZero();
    }

    @Test
    void aMessageIdThatWasDeadLetteredOrSkippedIsNotSeenSoItsFixedReplayIsTranslated() {
        startWith(WINDOW);

        send("{\"type\":\"track\",\"messageId\":\"m-1\",\"userId\":\"u-1\"}", FIRST); // MISSING_EVENT
        send("{\"type\":\"screen\",\"messageId\":\"m-2\",\"userId\":\"u-1\"}", FIRST); // UNSUPPORTED_TYPE
        send(track("m-1", "Fixed"), FIRST.plusSeconds(60));
        send(track("m-2", "Now a track"), FIRST.plusSeconds(60));

        assertThat(translation.deadLetters().readValuesToList()).hasSize(1);
        assertThat(messageIdsOfRequests()).containsExactly("m-1", "m-2");
        assertThat(skipped("DUPLICATE")).isZero();
    }

    @Test
    void copiesInOneBatchEnvelopeAreFoundToo() {
        startWith(WINDOW);

        send("""
                {"batch": [
                  {"type": "identify", "messageId": "m-1", "userId": "u-1", "traits": {"plan": "pro"}},
                  {"type": "identify", "messageId": "m-1", "userId": "u-1", "traits": {"plan": "pro"}}
                ]}
                """, FIRST);

        assertThat(messageIdsOfRequests()).containsExactly("m-1");
        assertThat(skipped("DUPLICATE")).isEqualTo(1.0);
    }

    @Test
    void aWindowOfZeroTranslatesEveryCopyAndKeepsNoState() {
        startWith(Duration.ZERO);

        send(track("m-1", "E"), FIRST);
        send(track("m-1", "E"), FIRST.plusSeconds(1));

        assertThat(messageIdsOfRequests()).containsExactly("m-1", "m-1");
        assertThat(translation.topology().describe().toString()).doesNotContain(DropDuplicates.STORE);
        assertThat(translation.driver().getAllStateStores()).doesNotContainKey(DropDuplicates.STORE);
    }

    @Test
    void theStoreHoldsEachTranslatedMessageIdAtItsFirstTimestampUntilAWholeWindowOfStreamTimeHasPassed() {
        startWith(WINDOW);

        send(track("m-1", "E"), FIRST);
        send(track("m-1", "E"), FIRST.plusSeconds(5));
        send(track("m-2", "E"), FIRST.plus(WINDOW).minusSeconds(1));
        KeyValueStore<String, Long> store = translation.driver().getKeyValueStore(DropDuplicates.STORE);
        assertThat(store.get("m-1")).as("kept at its first translation").isEqualTo(FIRST.toEpochMilli());

        send(track("m-3", "E"), FIRST.plus(WINDOW).plus(Duration.ofHours(1)));

        assertThat(store.get("m-1")).as("deleted once stream time is a window past it").isNull();
        assertThat(store.get("m-2")).isNotNull();
        assertThat(store.get("m-3")).isNotNull();
    }

    private static String track(String messageId, String event) {
        return "{\"type\":\"track\",\"messageId\":\"" + messageId + "\",\"userId\":\"u-1\",\"event\":\"" + event + "\"}";
    }

    private void send(String json, Instant at) {
        translation.input().pipeInput("u-1".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8), at);
    }

    private List<String> messageIdsOfRequests() {
        return translation.requests().readValuesToList().stream().map(request -> request.getMessageId().toString()).toList();
    }

    private double skipped(String reason) {
        return translation.driver().metrics().entrySet().stream()
                .filter(entry -> entry.getKey().name().equals("skipped-total") && reason.equals(entry.getKey().tags().get("segment-refiner-id")))
                .mapToDouble(entry -> (Double) entry.getValue().metricValue())
                .sum();
    }
}

package io.segmentrefiner.topology;

import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.refiner.MappingSettings;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deletion and suppression in the topology: a delete becomes {@code DELETE /v1/contact} and lists the user; every
 * later event of a listed user is skipped as {@code SUPPRESSED}, counted, never sent, never dead-lettered; an
 * unsuppress call, or a tombstone on the list's topic, takes the user off.
 */
class SuppressionTest {

    private static final Instant FIRST = Instant.parse("2026-12-05T10:00:00Z");

    private TranslationUnderTest translation;

    @BeforeEach
    void start() {
        translation = TranslationUnderTest.start(MappingSettings.DEFAULTS, Duration.ofHours(24), "suppression-test", FIRST);
    }

    @AfterEach
    void stop() {
        translation.close();
    }

    @Test
    void eventsBeforeADeleteAreSentThenTheDeleteThenNothingOfThatUser() {
        send(track("m-1", "u-1"));
        send(delete("d-1", "u-1"));
        send(track("m-2", "u-1"));
        send(identify("m-3", "u-1"));
        send(track("m-4", "u-2"));

        List<RefinerRequestRecord> requests = translation.requests().readValuesToList();
        assertThat(requests).extracting(request -> request.getMethod() + " " + request.getPath() + " " + request.getBody())
                .containsExactly(
                        "POST /v1/track-event {\"id\":\"u-1\",\"event\":\"E\"}",
                        "DELETE /v1/contact {\"id\":\"u-1\"}",
                        "POST /v1/track-event {\"id\":\"u-2\",\"event\":\"E\"}");
        assertThat(skipped("SUPPRESSED")).isEqualTo(2.0);
        assertThat(translation.deadLetters().isEmpty()).as("a suppressed event is never dead-lettered").isTrue();
    }

    @Test
    void aDeleteListsTheUserUnderTheirUserIdAndTheirEmailSoEventsWithEitherAreSuppressed() {
        send("{\"type\":\"delete\",\"messageId\":\"d-1\",\"userId\":\"u-1\",\"context\":{\"traits\":{\"email\":\"ada@example.com\"}}}");
        send("{\"type\":\"track\",\"messageId\":\"m-1\",\"event\":\"E\",\"traits\":{\"email\":\"ada@example.com\"}}");

        assertThat(translation.requests().readValuesToList()).extracting(request -> request.getMethod() + " " + request.getBody())
                .containsExactly("DELETE {\"id\":\"u-1\"}");
        List<KeyValue<String, String>> listed = translation.suppressionChanges().readKeyValuesToList();
        assertThat(listed).extracting(change -> change.key).containsExactly("u-1", "ada@example.com");
        assertThat(listed.get(0).value).contains("\"userId\":\"u-1\"", "\"email\":\"ada@example.com\"", "\"messageId\":\"d-1\"");
        assertThat(skipped("SUPPRESSED")).isEqualTo(1.0);
    }

    @Test
    void aDeleteByEmailAloneDeletesTheContactByEmail() {
        send("{\"type\":\"delete\",\"messageId\":\"d-1\",\"traits\":{\"email\":\"ada@example.com\"}}");

        assertThat(translation.requests().readValuesToList()).extracting(request -> request.getMethod() + " " + request.getBody())
                .containsExactly("DELETE {\"email\":\"ada@example.com\"}");
    }

    @Test
    void anUnsuppressCallTakesTheUserOffTheListUnderBothKeysAndSendsNothing() {
        send("{\"type\":\"delete\",\"messageId\":\"d-1\",\"userId\":\"u-1\",\"context\":{\"traits\":{\"email\":\"ada@example.com\"}}}");
        send(track("m-1", "u-1"));
        send("{\"type\":\"unsuppress\",\"messageId\":\"s-1\",\"userId\":\"u-1\"}");
        send(track("m-2", "u-1"));
        send("{\"type\":\"track\",\"messageId\":\"m-3\",\"event\":\"E\",\"traits\":{\"email\":\"ada@example.com\"}}");

        assertThat(translation.requests().readValuesToList()).extracting(request -> request.getMessageId().toString())
                .containsExactly("d-1", "m-2", "m-3");
        List<KeyValue<String, String>> changes = translation.suppressionChanges().readKeyValuesToList();
        assertThat(changes.subList(2, 4)).as("the unsuppress's tombstones, for the user id and the email the entry had")
                .containsExactly(KeyValue.pair("u-1", null), KeyValue.pair("ada@example.com", null));
        assertThat(skipped("SUPPRESSED")).isEqualTo(1.0);
    }

    @Test
    void aTombstoneAnOperatorWritesOnTheListsTopicTakesTheUserOff() {
        send(delete("d-1", "u-1"));
        send(track("m-1", "u-1"));
        translation.suppressionList().pipeInput("u-1", (String) null);
        send(track("m-2", "u-1"));

        assertThat(translation.requests().readValuesToList()).extracting(request -> request.getMessageId().toString())
                .containsExactly("d-1", "m-2");
    }

    @Test
    void anEntryAnOperatorWritesOnTheListsTopicSuppressesWhateverItsValue() {
        translation.suppressionList().pipeInput("u-1", "suppressed by hand");
        send(track("m-1", "u-1"));

        assertThat(translation.requests().isEmpty()).isTrue();
        assertThat(skipped("SUPPRESSED")).isEqualTo(1.0);
    }

    @Test
    void aCopyOfADeleteSentAgainByARetryingLibraryAfterAnUnsuppressIsADuplicateAndListsNobody() {
        send(delete("d-1", "u-1"));
        send("{\"type\":\"unsuppress\",\"messageId\":\"s-1\",\"userId\":\"u-1\"}");
        send(delete("d-1", "u-1"));
        send(track("m-1", "u-1"));

        assertThat(translation.requests().readValuesToList()).extracting(request -> request.getMessageId().toString())
                .containsExactly("d-1", "m-1");
        assertThat(skipped("DUPLICATE")).isEqualTo(1.0);
    }

    @Test
    void aDeleteOrUnsuppressWithoutAUserIdOrEmailIsDeadLetteredAsMissingIdentity() {
        send("{\"type\":\"delete\",\"messageId\":\"d-1\",\"anonymousId\":\"a-1\"}");
        send("{\"type\":\"unsuppress\",\"messageId\":\"s-1\"}");

        assertThat(translation.deadLetters().readRecordsToList()).allSatisfy(letter ->
                assertThat(new String(letter.headers().lastHeader("refiner.dlq.reason").value(), StandardCharsets.UTF_8))
                        .isEqualTo("MISSING_IDENTITY")).hasSize(2);
        assertThat(translation.requests().isEmpty()).isTrue();
    }

    @Test
    void aSecondDeleteOfASuppressedUserIsSentAgain() {
        send(delete("d-1", "u-1"));
        send(delete("d-2", "u-1"));

        assertThat(translation.requests().readValuesToList()).extracting(request -> request.getMessageId().toString())
                .containsExactly("d-1", "d-2");
    }

    private void send(String json) {
        translation.input().pipeInput("u-1".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
    }

    private static String track(String messageId, String user) {
        return "{\"type\":\"track\",\"messageId\":\"" + messageId + "\",\"userId\":\"" + user + "\",\"event\":\"E\"}";
    }

    private static String identify(String messageId, String user) {
        return "{\"type\":\"identify\",\"messageId\":\"" + messageId + "\",\"userId\":\"" + user + "\",\"traits\":{\"plan\":\"pro\"}}";
    }

    private static String delete(String messageId, String user) {
        return "{\"type\":\"delete\",\"messageId\":\"" + messageId + "\",\"userId\":\"" + user + "\"}";
    }

    private double skipped(String reason) {
        return translation.driver().metrics().entrySet().stream()
                .filter(entry -> entry.getKey().name().equals("skipped-total") && reason.equals(entry.getKey().tags().get("segment-refiner-id")))
                .mapToDouble(entry -> (Double) entry.getValue().metricValue())
                .sum();
    }
}

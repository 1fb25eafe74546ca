package io.segmentrefiner.refiner;

import io.segmentrefiner.refiner.Outcome.Accepted;
import io.segmentrefiner.refiner.Outcome.Rejected;
import io.segmentrefiner.refiner.Outcome.Skipped;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentEvent;
import io.segmentrefiner.segment.UnreadableEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;


import static java.nio.charset.StandardCharsets.UTF_8;
import static io.segmentrefiner.refiner.MappingAssertions.event;
import static io.segmentrefiner.refiner.MappingAssertions.rejected;
import static io.segmentrefiner.refiner.MappingAssertions.skipped;
import static org.assertj.core.api.Assertions.assertThat;

class RefinerFilterTest {

    // --- 1. INVALID_JSON ---

    @Test
    void unreadableEventIsRejectedAsInvalidJsonWithItsBytes() {
        byte[] bytes = "{\"type\": \"track\",".getBytes(UTF_8);

        Rejected rejected = rejected(RefinerFilter.check(new UnreadableEvent(bytes, "not JSON")), Reason.INVALID_JSON);

        assertThat(rejected.source()).isEqualTo(bytes);
        assertThat(rejected.messageId()).isEmpty();
    }

    // --- 2. DISABLED ---

    @Test
    void refinerFalseIsSkippedAsDisabled() {
        Skipped skipped = skipped(RefinerFilter.check(event("""
                {"type": "track", "messageId": "m-1", "userId": "u-1", "event": "X", "integrations": {"Refiner": false}}
                """)), Reason.DISABLED);

        assertThat(skipped.messageId()).contains("m-1");
    }

    @Test
    void refinerFalseWinsOverAllTrue() {
        skipped(RefinerFilter.check(event("""
                {"type": "track", "userId": "u-1", "event": "X", "integrations": {"All": true, "Refiner": false}}
                """)), Reason.DISABLED);
    }

    @Test
    void allFalseWithoutRefinerIsSkippedAsDisabled() {
        skipped(RefinerFilter.check(event("""
                {"type": "track", "userId": "u-1", "event": "X", "integrations": {"All": false, "Mixpanel": true}}
                """)), Reason.DISABLED);
    }

    @ParameterizedTest(name = "[{index}] Refiner: {0}")
    @ValueSource(strings = {"null", "\"yes\"", "1", "[]", "\"true\""})
    void allFalseWithRefinerNeitherTrueNorAnObjectIsSkippedAsDisabled(String refiner) {
        skipped(RefinerFilter.check(event("""
                {"type": "track", "userId": "u-1", "event": "X", "integrations": {"All": false, "Refiner": %s}}
                """.formatted(refiner))), Reason.DISABLED);
    }

    @Test
    void engageAllFalseWithRefinerTrueIsAccepted() {
        accepted(RefinerFilter.check(event("""
                {"type": "identify", "messageId": "personas_1", "userId": "u-1",
                 "integrations": {"All": false, "Refiner": true},
                 "traits": {"order_completed_last_30days": true}}
                """)), CallType.IDENTIFY);
    }

    @Test
    void allFalseWithRefinerSettingsObjectIsAccepted() {
        accepted(RefinerFilter.check(event("""
                {"type": "identify", "userId": "u-1", "integrations": {"All": false, "Refiner": {}}}
                """)), CallType.IDENTIFY);
    }

    @Test
    void allFalseWithRefinerSettingsObjectWithContentIsAccepted() {
        accepted(RefinerFilter.check(event("""
                {"type": "identify", "userId": "u-1", "integrations": {"All": false, "Refiner": {"projectId": "p-1"}}}
                """)), CallType.IDENTIFY);
    }

    @Test
    void otherDestinationsTurnedOffDoNotAffectRefiner() {
        accepted(RefinerFilter.check(event("""
                {"type": "track", "userId": "u-1", "event": "X", "integrations": {"Mixpanel": false, "Salesforce": false}}
                """)), CallType.TRACK);
    }

    @Test
    void allTrueIsAccepted() {
        accepted(RefinerFilter.check(event("""
                {"type": "track", "userId": "u-1", "event": "X", "integrations": {"All": true}}
                """)), CallType.TRACK);
    }

    @Test
    void emptyIntegrationsIsAccepted() {
        accepted(RefinerFilter.check(event("""
                {"type": "track", "userId": "u-1", "event": "X", "integrations": {}}
                """)), CallType.TRACK);
    }

    @Test
    void disabledIsDecidedBeforeMissingType() {
        skipped(RefinerFilter.check(event("""
                {"messageId": "m-1", "userId": "u-1", "integrations": {"Refiner": false}}
                """)), Reason.DISABLED);
    }

    @Test
    void disabledIsDecidedBeforeUnsupportedType() {
        skipped(RefinerFilter.check(event("""
                {"type": "screen", "userId": "u-1", "integrations": {"All": false}}
                """)), Reason.DISABLED);
    }

    // --- 3. MISSING_TYPE ---

    @Test
    void eventWithoutTypeIsRejectedAsMissingType() {
        SegmentEvent event = event("""
                {"messageId": "m-2", "userId": "u-1", "event": "Order Completed"}
                """);

        Rejected rejected = rejected(RefinerFilter.check(event), Reason.MISSING_TYPE);

        assertThat(rejected.messageId()).contains("m-2");
        assertThat(rejected.source()).isEqualTo(event.source());
    }

    @ParameterizedTest(name = "[{index}] type: {0}")
    @ValueSource(strings = {"\"\"", "\"   \"", "null"})
    void blankOrNullTypeIsRejectedAsMissingType(String type) {
        rejected(RefinerFilter.check(event("""
                {"type": %s, "userId": "u-1", "event": "X"}
                """.formatted(type))), Reason.MISSING_TYPE);
    }

    @Test
    void missingTypeIsDecidedBeforeIdentity() {
        rejected(RefinerFilter.check(event("""
                {"anonymousId": "anon-1"}
                """)), Reason.MISSING_TYPE);
    }

    // --- 4. UNSUPPORTED_TYPE and the supported types ---

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource({
            "identify, IDENTIFY", "IDENTIFY, IDENTIFY", "Identify, IDENTIFY",
            "group, GROUP", "GROUP, GROUP",
            "track, TRACK", "Track, TRACK", "TRACK, TRACK",
            "page, PAGE", "Page, PAGE"})
    void supportedTypesAreAcceptedCaseInsensitively(String type, CallType expected) {
        accepted(RefinerFilter.check(event("""
                {"type": "%s", "userId": "u-1", "event": "X", "groupId": "g-1"}
                """.formatted(type))), expected);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"screen", "alias", "SCREEN", "Alias", "purchase", "identify_user"})
    void otherTypesAreSkippedAsUnsupported(String type) {
        Skipped skipped = skipped(RefinerFilter.check(event("""
                {"type": "%s", "messageId": "m-3", "userId": "u-1"}
                """.formatted(type))), Reason.UNSUPPORTED_TYPE);

        assertThat(skipped.messageId()).contains("m-3");
    }

    @Test
    void unsupportedTypeIsDecidedBeforeIdentity() {
        skipped(RefinerFilter.check(event("""
                {"type": "alias", "anonymousId": "anon-1", "previousId": "old"}
                """)), Reason.UNSUPPORTED_TYPE);
    }

    @Test
    void acceptedCarriesTheEvent() {
        SegmentEvent event = event("""
                {"type": "page", "userId": "u-1", "name": "Home"}
                """);

        Accepted accepted = accepted(RefinerFilter.check(event), CallType.PAGE);

        assertThat(accepted.event()).isSameAs(event);
    }

    // --- helpers ---
    private static Accepted accepted(Outcome outcome, CallType type) {
        assertThat(outcome).isInstanceOf(Accepted.class);
        Accepted accepted = (Accepted) outcome;
        assertThat(accepted.type()).isEqualTo(type);
        return accepted;
    }

}

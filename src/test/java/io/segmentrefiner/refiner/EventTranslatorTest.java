package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.refiner.Outcome.Rejected;
import io.segmentrefiner.refiner.Outcome.Skipped;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.segment.CallType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.nio.charset.StandardCharsets.UTF_8;
import static io.segmentrefiner.refiner.MappingAssertions.JSON;
import static io.segmentrefiner.refiner.MappingAssertions.assertBody;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The translator as a composition: the reader, the filter and the mapper of each call type in one pass, batches in
 * order, the settings reaching the mappers. The rules themselves and their order are {@link RefinerFilterTest}'s and
 * the mapper tests'.
 */
class EventTranslatorTest {

    private final EventTranslator defaults = new EventTranslator(new ObjectMapper(), MappingSettings.DEFAULTS);

    // --- one request per call type ---

    @Test
    void identifyIsTranslatedToIdentifyUser() {
        Translated translated = only(translated(defaults.translate(bytes("""
                {"type": "identify", "messageId": "m-1", "timestamp": "2024-05-02T10:15:30.123Z",
                 "userId": "u-1", "context": {"ip": "8.8.8.8", "library": {"name": "analytics.js", "version": "2.11.1"}},
                 "traits": {"email": "peter@example.com", "name": "Peter", "address": {"city": "Austin"}, "tags": ["a", "b"]}}
                """))));

        assertThat(translated.type()).isEqualTo(CallType.IDENTIFY);
        assertThat(translated.request().path()).isEqualTo("/v1/identify-user");
        assertBody(translated.request().body(), """
                {"id": "u-1", "email": "peter@example.com", "name": "Peter", "address_city": "Austin", "tags": "[\\"a\\",\\"b\\"]"}
                """);
    }

    @Test
    void groupIsTranslatedToIdentifyUserWithAccount() {
        Translated translated = only(translated(defaults.translate(bytes("""
                {"type": "group", "messageId": "m-2", "userId": "u-1", "groupId": "g-1",
                 "traits": {"name": "Initech", "employees": 329}}
                """))));

        assertThat(translated.type()).isEqualTo(CallType.GROUP);
        assertThat(translated.request().path()).isEqualTo("/v1/identify-user");
        assertBody(translated.request().body(), """
                {"id": "u-1", "account": {"id": "g-1", "name": "Initech", "employees": 329}}
                """);
    }

    @Test
    void trackIsTranslatedToTrackEvent() {
        Translated translated = only(translated(defaults.translate(bytes("""
                {"type": "track", "messageId": "m-3", "userId": "u-1", "event": "Order Completed",
                 "properties": {"revenue": 25, "email": "p@example.com"}}
                """))));

        assertThat(translated.type()).isEqualTo(CallType.TRACK);
        assertThat(translated.request().path()).isEqualTo("/v1/track-event");
        assertBody(translated.request().body(), """
                {"id": "u-1", "email": "p@example.com", "event": "Order Completed"}
                """);
    }

    @Test
    void pageIsTranslatedToPageviewByDefault() {
        Translated translated = only(translated(defaults.translate(bytes("""
                {"type": "page", "messageId": "m-4", "userId": "u-1", "name": "Pricing", "category": "Docs"}
                """))));

        assertThat(translated.type()).isEqualTo(CallType.PAGE);
        assertBody(translated.request().body(), """
                {"id": "u-1", "event": "pageview"}
                """);
    }

    @Test
    void pageIsNamedAfterThePageWithNamedSetting() {
        EventTranslator translator = new EventTranslator(new ObjectMapper(),
                new MappingSettings(PageEventNaming.NAMED, AttributeRenames.NONE, AttributeRenames.NONE));

        Translated translated = only(translated(translator.translate(bytes("""
                {"type": "page", "userId": "u-1", "name": "Pricing", "category": "Docs"}
                """))));

        assertThat(translated.request().body().get("event").asText()).isEqualTo("Viewed Docs Pricing Page");
    }

    @Test
    void userRenamesApplyToIdentifyAndAccountRenamesToGroup() {
        EventTranslator translator = new EventTranslator(new ObjectMapper(), new MappingSettings(
                PageEventNaming.PAGEVIEW, new AttributeRenames(Map.of("plan", "user_plan")), new AttributeRenames(Map.of("plan", "account_plan"))));

        List<Outcome> outcomes = translator.translate(bytes("""
                {"batch": [
                   {"type": "identify", "userId": "u-1", "traits": {"plan": "pro"}},
                   {"type": "group", "userId": "u-1", "groupId": "g-1", "traits": {"plan": "enterprise"}}
                 ]}
                """));

        List<Translated> translated = translated(outcomes);
        assertBody(translated.get(0).request().body(), """
                {"id": "u-1", "user_plan": "pro"}
                """);
        assertBody(translated.get(1).request().body(), """
                {"id": "u-1", "account": {"id": "g-1", "account_plan": "enterprise"}}
                """);
    }

    // --- what the reader, the filter and the mappers decide, in one pass ---

    @Test
    void valueThatIsNotJsonIsRejectedAsInvalidJsonWithTheOriginalBytes() {
        byte[] value = bytes("{\"type\": \"track\", \"userId\": ");

        Rejected rejected = onlyRejected(defaults.translate(value), Reason.INVALID_JSON);

        assertThat(rejected.source()).isEqualTo(value);
    }

    // --- batch envelopes ---

    @Test
    void batchYieldsOneOutcomePerEventInOrder() {
        List<Outcome> outcomes = defaults.translate(bytes("""
                {
                  "batch": [
                    {"type": "identify", "messageId": "m-1", "userId": "u-1", "traits": {"plan": "pro"}},
                    {"type": "screen", "messageId": "m-2", "userId": "u-1", "name": "Home"},
                    "not an event",
                    {"type": "track", "messageId": "m-4", "userId": "u-1"},
                    {"type": "page", "messageId": "m-5", "userId": "u-1"}
                  ],
                  "sentAt": "2024-05-02T10:30:01.000Z"
                }
                """));

        assertThat(outcomes).hasSize(5);
        assertThat(outcomes.get(0)).isInstanceOf(Translated.class);
        assertThat(outcomes.get(0).messageId()).contains("m-1");
        assertThat(outcomes.get(1)).isEqualTo(new Skipped(Optional.of("m-2"), Reason.UNSUPPORTED_TYPE));
        assertThat(outcomes.get(2)).isInstanceOf(Rejected.class);
        assertThat(((Rejected) outcomes.get(2)).reason()).isEqualTo(Reason.INVALID_JSON);
        assertThat(outcomes.get(3)).isInstanceOf(Rejected.class);
        assertThat(((Rejected) outcomes.get(3)).reason()).isEqualTo(Reason.MISSING_EVENT);
        assertThat(outcomes.get(3).messageId()).contains("m-4");
        assertThat(outcomes.get(4)).isInstanceOf(Translated.class);
        assertThat(outcomes.get(4).messageId()).contains("m-5");
    }

    @Test
    void envelopeContextSuppliesTheIdentityOfBatchEvents() {
        Translated translated = only(translated(defaults.translate(bytes("""
                {"batch": [{"type": "track", "messageId": "m-1", "event": "Signed Up"}],
                 "context": {"library": {"name": "analytics-node"}, "traits": {"email": "peter@example.com"}}}
                """))));

        assertBody(translated.request().body(), """
                {"email": "peter@example.com", "event": "Signed Up"}
                """);
    }

    @Test
    void envelopeContextTraitsBecomeIdentifyTraitsWhereTheEventLacksThem() {
        Translated translated = only(translated(defaults.translate(bytes("""
                {"batch": [{"type": "identify", "userId": "u-1", "context": {"traits": {"plan": "pro"}}}],
                 "context": {"traits": {"plan": "free", "company": "Initech"}}}
                """))));

        assertBody(translated.request().body(), """
                {"id": "u-1", "plan": "pro", "company": "Initech"}
                """);
    }

    @Test
    void envelopeIntegrationsDisableEventsWithoutTheirOwnIntegrations() {
        List<Outcome> outcomes = defaults.translate(bytes("""
                {"batch": [
                   {"type": "track", "messageId": "m-1", "userId": "u-1", "event": "X"},
                   {"type": "track", "messageId": "m-2", "userId": "u-1", "event": "Y", "integrations": {"All": false, "Refiner": true}}
                 ],
                 "integrations": {"All": false}}
                """));

        assertThat(outcomes).hasSize(2);
        assertThat(outcomes.get(0)).isEqualTo(new Skipped(Optional.of("m-1"), Reason.DISABLED));
        assertThat(outcomes.get(1)).isInstanceOf(Translated.class);
    }

    @Test
    void rejectedBatchEventCarriesItsStandaloneJsonWithTheEnvelopeFoldedIn() {
        Rejected rejected = onlyRejected(defaults.translate(bytes("""
                {"batch": [{"type": "track", "messageId": "m-1", "userId": "u-1"}],
                 "context": {"ip": "8.8.8.8"},
                 "integrations": {"Refiner": true}}
                """)), Reason.MISSING_EVENT);

        assertThat(tree(rejected.source())).isEqualTo(tree("""
                {"type": "track", "messageId": "m-1", "userId": "u-1", "context": {"ip": "8.8.8.8"}, "integrations": {"Refiner": true}}
                """));
    }

    @Test
    void rejectedSingleEventCarriesTheOriginalBytes() {
        byte[] value = bytes("""
                {"type":"track",  "messageId":"m-1", "userId":"u-1"}
                """);

        Rejected rejected = onlyRejected(defaults.translate(value), Reason.MISSING_EVENT);

        assertThat(rejected.source()).isEqualTo(value);
    }

    // --- helpers ---
    private static byte[] bytes(String json) {
        return json.getBytes(UTF_8);
    }

    private static JsonNode tree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode tree(String json) {
        return tree(bytes(json));
    }

    private static <T> T only(List<T> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    private static List<Translated> translated(List<Outcome> outcomes) {
        assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome).isInstanceOf(Translated.class));
        return outcomes.stream().map(Translated.class::cast).toList();
    }

    private static Rejected onlyRejected(List<Outcome> outcomes, Reason reason) {
        return MappingAssertions.rejected(only(outcomes), reason);
    }

}

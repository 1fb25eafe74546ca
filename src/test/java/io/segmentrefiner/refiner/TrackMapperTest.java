package io.segmentrefiner.refiner;

import io.segmentrefiner.refiner.Outcome.Rejected;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentEvent;
import org.junit.jupiter.api.Test;


import static io.segmentrefiner.refiner.MappingAssertions.assertBody;
import static io.segmentrefiner.refiner.MappingAssertions.event;
import static io.segmentrefiner.refiner.MappingAssertions.rejected;
import static io.segmentrefiner.refiner.MappingAssertions.translated;
import static org.assertj.core.api.Assertions.assertThat;

class TrackMapperTest {

    private final TrackMapper mapper = new TrackMapper();

    @Test
    void trackBecomesATrackEventPostWithIdEmailAndEventOnly() {
        Translated translated = translated(mapper.map(event("""
                {
                  "type": "track",
                  "messageId": "ajs-next-5b1e9f3c7a",
                  "timestamp": "2024-05-02T10:30:00.000Z",
                  "anonymousId": "507f191e810c19729de860ea",
                  "userId": "97980cfea0067",
                  "event": "Order Completed",
                  "context": {
                    "ip": "8.8.8.8",
                    "library": {"name": "analytics-node", "version": "6.2.0"},
                    "traits": {"email": "peter@example.com", "plan": "premium"}
                  },
                  "properties": {"order_id": "50314b8e9bcf000000000000", "revenue": 25.0, "currency": "USD"}
                }
                """)));

        assertThat(translated.type()).isEqualTo(CallType.TRACK);
        assertThat(translated.messageId()).contains("ajs-next-5b1e9f3c7a");
        assertThat(translated.request().method()).isEqualTo("POST");
        assertThat(translated.request().path()).isEqualTo("/v1/track-event");
        assertBody(translated.request().body(), """
                {"id": "97980cfea0067", "email": "peter@example.com", "event": "Order Completed"}
                """);
    }

    @Test
    void numericUserIdBecomesAString() {
        Translated translated = translated(mapper.map(event("""
                {"type": "track", "userId": 42, "event": "Signed Up"}
                """)));

        assertBody(translated.request().body(), """
                {"id": "42", "event": "Signed Up"}
                """);
        assertThat(translated.request().contact()).isEqualTo("42");
    }

    @Test
    void traitsIdIdentifiesTheUserOfATrack() {
        Translated translated = translated(mapper.map(event("""
                {"type": "track", "event": "Signed Up", "traits": {"id": "t-id"}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "t-id", "event": "Signed Up"}
                """);
    }

    @Test
    void contextTraitsIdIdentifiesTheUserOfATrack() {
        Translated translated = translated(mapper.map(event("""
                {"type": "track", "event": "Signed Up", "context": {"traits": {"id": "c-id"}}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "c-id", "event": "Signed Up"}
                """);
    }

    @Test
    void propertiesEmailIdentifiesATrackWithoutOtherIdentity() {
        Translated translated = translated(mapper.map(event("""
                {"type": "track", "anonymousId": "anon-1", "event": "Newsletter Subscribed",
                 "properties": {"email": "reader@example.com", "list": "weekly"}}
                """)));

        assertBody(translated.request().body(), """
                {"email": "reader@example.com", "event": "Newsletter Subscribed"}
                """);
        assertThat(translated.request().contact()).isEqualTo("reader@example.com");
    }

    @Test
    void traitsEmailWinsOverContextTraitsEmailAndPropertiesEmail() {
        Translated translated = translated(mapper.map(event("""
                {"type": "track", "event": "X", "traits": {"email": "t@example.com"},
                 "context": {"traits": {"email": "c@example.com"}}, "properties": {"email": "p@example.com"}}
                """)));

        assertThat(translated.request().body().get("email").asText()).isEqualTo("t@example.com");
    }

    @Test
    void contextTraitsEmailWinsOverPropertiesEmail() {
        Translated translated = translated(mapper.map(event("""
                {"type": "track", "event": "X", "traits": {"email": " "},
                 "context": {"traits": {"email": "c@example.com"}}, "properties": {"email": "p@example.com"}}
                """)));

        assertThat(translated.request().body().get("email").asText()).isEqualTo("c@example.com");
    }

    @Test
    void blankEmailsFallBackToPropertiesEmail() {
        Translated translated = translated(mapper.map(event("""
                {"type": "track", "event": "X", "traits": {"email": ""},
                 "context": {"traits": {"email": "  "}}, "properties": {"email": "p@example.com"}}
                """)));

        assertThat(translated.request().body().get("email").asText()).isEqualTo("p@example.com");
    }

    @Test
    void idIsPreferredOverEmailAsTheRequestContact() {
        Translated translated = translated(mapper.map(event("""
                {"type": "track", "userId": "u-1", "event": "X", "properties": {"email": "p@example.com"}}
                """)));

        assertThat(translated.request().contact()).isEqualTo("u-1");
    }

    @Test
    void anonymousIdIsNotAnIdentityOfATrack() {
        rejected(mapper.map(event("""
                {"type": "track", "anonymousId": "507f191e810c19729de860ea", "event": "Product Viewed"}
                """)), Reason.MISSING_IDENTITY);
    }

    @Test
    void missingEventIsRejected() {
        SegmentEvent event = event("""
                {"type": "track", "messageId": "m-t", "userId": "u-1", "properties": {"plan": "pro"}}
                """);

        Rejected rejected = rejected(mapper.map(event), Reason.MISSING_EVENT);

        assertThat(rejected.messageId()).contains("m-t");
        assertThat(rejected.source()).isEqualTo(event.source());
    }

    @Test
    void blankEventIsRejected() {
        rejected(mapper.map(event("""
                {"type": "track", "userId": "u-1", "event": "   "}
                """)), Reason.MISSING_EVENT);
    }

    @Test
    void nullEventIsRejected() {
        rejected(mapper.map(event("""
                {"type": "track", "userId": "u-1", "event": null}
                """)), Reason.MISSING_EVENT);
    }

    @Test
    void missingIdentityIsReportedBeforeMissingEvent() {
        rejected(mapper.map(event("""
                {"type": "track", "anonymousId": "anon-1"}
                """)), Reason.MISSING_IDENTITY);
    }

}

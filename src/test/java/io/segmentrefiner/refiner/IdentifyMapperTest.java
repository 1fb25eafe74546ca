package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.refiner.Outcome.Rejected;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentEvent;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.segmentrefiner.refiner.MappingAssertions.assertBody;
import static io.segmentrefiner.refiner.MappingAssertions.event;
import static io.segmentrefiner.refiner.MappingAssertions.rejected;
import static io.segmentrefiner.refiner.MappingAssertions.translated;
import static org.assertj.core.api.Assertions.assertThat;

class IdentifyMapperTest {

    private final IdentifyMapper mapper = new IdentifyMapper(AttributeRenames.NONE);

    @Test
    void identifyBecomesAnIdentifyUserPostWithIdEmailAndTraits() {
        Translated translated = translated(mapper.map(event("""
                {
                  "type": "identify",
                  "messageId": "ajs-next-1f6d2c1e9b7f4a0c8e2d",
                  "timestamp": "2024-05-02T10:15:30.123Z",
                  "anonymousId": "507f191e810c19729de860ea",
                  "userId": "97980cfea0067",
                  "context": {
                    "ip": "8.8.8.8",
                    "library": {"name": "analytics.js", "version": "2.11.1"},
                    "locale": "en-US"
                  },
                  "traits": {
                    "name": "Peter Gibbons",
                    "email": "peter@example.com",
                    "plan": "premium",
                    "logins": 5
                  }
                }
                """)));

        assertThat(translated.type()).isEqualTo(CallType.IDENTIFY);
        assertThat(translated.messageId()).contains("ajs-next-1f6d2c1e9b7f4a0c8e2d");
        assertThat(translated.request().method()).isEqualTo("POST");
        assertThat(translated.request().path()).isEqualTo("/v1/identify-user");
        assertBody(translated.request().body(), """
                {"id": "97980cfea0067", "email": "peter@example.com", "name": "Peter Gibbons", "plan": "premium", "logins": 5}
                """);
    }

    @Test
    void idAndEmailComeFirstEvenWhenTraitsListOtherKeysBeforeThem() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": "u-1",
                 "traits": {"plan": "pro", "email": "a@example.com", "age": 31}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "email": "a@example.com", "plan": "pro", "age": 31}
                """);
    }

    @Test
    void numericUserIdBecomesAString() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": 42, "traits": {"plan": "pro"}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "42", "plan": "pro"}
                """);
    }

    @Test
    void blankUserIdFallsBackToTraitsUserId() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": "  ", "traits": {"userId": "from-traits"}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "from-traits"}
                """);
    }

    @Test
    void userIdWinsOverEveryOtherIdSource() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": "top",
                 "traits": {"userId": "t-userId", "id": "t-id"},
                 "context": {"traits": {"userId": "c-userId", "id": "c-id"}}}
                """)));

        assertThat(translated.request().body().get("id").asText()).isEqualTo("top");
    }

    @Test
    void traitsUserIdWinsOverTraitsId() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "traits": {"id": "t-id", "userId": "t-userId"},
                 "context": {"traits": {"userId": "c-userId", "id": "c-id"}}}
                """)));

        assertThat(translated.request().body().get("id").asText()).isEqualTo("t-userId");
    }

    @Test
    void traitsIdIsTheUserIdOfAnIdentifyWithoutUserId() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "traits": {"id": "t-id", "plan": "pro"},
                 "context": {"traits": {"userId": "c-userId", "id": "c-id"}}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "t-id", "plan": "pro"}
                """);
    }

    @Test
    void contextTraitsUserIdWinsOverContextTraitsId() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "context": {"traits": {"id": "c-id", "userId": "c-userId"}}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "c-userId"}
                """);
    }

    @Test
    void contextTraitsIdIsTheLastUserIdSource() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": "", "traits": {"userId": " ", "id": ""},
                 "context": {"traits": {"id": "c-id", "userId": "\\t"}}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "c-id"}
                """);
    }

    @Test
    void emailAloneIdentifiesTheContactAndTheBodyHasNoId() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "anonymousId": "anon-1", "traits": {"email": "jane@example.com", "plan": "free"}}
                """)));

        assertBody(translated.request().body(), """
                {"email": "jane@example.com", "plan": "free"}
                """);
        assertThat(translated.request().contact()).isEqualTo("jane@example.com");
    }

    @Test
    void userIdAloneGivesABodyWithoutEmail() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": "u-1"}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1"}
                """);
    }

    @Test
    void traitsEmailWinsOverContextTraitsEmail() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": "u-1", "traits": {"email": "top@example.com"},
                 "context": {"traits": {"email": "context@example.com"}}}
                """)));

        assertThat(translated.request().body().get("email").asText()).isEqualTo("top@example.com");
    }

    @Test
    void blankTraitsEmailFallsBackToContextTraitsEmail() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "traits": {"email": "   "},
                 "context": {"traits": {"email": "context@example.com"}}}
                """)));

        assertBody(translated.request().body(), """
                {"email": "context@example.com"}
                """);
    }

    @Test
    void propertiesEmailIsNotAnIdentityOfAnIdentify() {
        Outcome outcome = mapper.map(event("""
                {"type": "identify", "messageId": "m-1", "properties": {"email": "p@example.com"}}
                """));

        rejected(outcome, Reason.MISSING_IDENTITY);
    }

    @Test
    void anonymousIdIsNeverAnIdentity() {
        Outcome outcome = mapper.map(event("""
                {"type": "identify", "anonymousId": "507f191e810c19729de860ea", "traits": {"plan": "pro"}}
                """));

        rejected(outcome, Reason.MISSING_IDENTITY);
    }

    @Test
    void blankIdsAndEmailsCountAsAbsent() {
        Outcome outcome = mapper.map(event("""
                {"type": "identify", "userId": " ", "traits": {"userId": "", "id": "  ", "email": ""},
                 "context": {"traits": {"userId": "", "id": " ", "email": "  "}}}
                """));

        rejected(outcome, Reason.MISSING_IDENTITY);
    }

    @Test
    void missingIdentityRejectionCarriesMessageIdAndTheEventBytes() {
        SegmentEvent event = event("""
                {"type": "identify", "messageId": "m-42", "traits": {"plan": "pro"}}
                """);

        Outcome outcome = mapper.map(event);

        Rejected rejected = rejected(outcome, Reason.MISSING_IDENTITY);
        assertThat(rejected.messageId()).contains("m-42");
        assertThat(rejected.source()).isEqualTo(event.source());
    }

    @Test
    void topLevelTraitsOverlayContextTraits() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": "u-1",
                 "context": {"traits": {"plan": "free", "company": "Initech"}},
                 "traits": {"plan": "premium", "age": 40}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "plan": "premium", "company": "Initech", "age": 40}
                """);
    }

    @Test
    void contextTraitsAloneBecomeAttributes() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": "u-1", "context": {"traits": {"plan": "free"}}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "plan": "free"}
                """);
    }

    @Test
    void identityKeysAreNotSentAsAttributes() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify",
                 "traits": {"id": "t-id", "userId": "t-userId", "email": "t@example.com", "plan": "pro"},
                 "context": {"traits": {"id": "c-id", "userId": "c-userId", "email": "c@example.com", "tier": 2}}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "t-userId", "email": "t@example.com", "tier": 2, "plan": "pro"}
                """);
    }

    @Test
    void identityKeysThatAreNotUsableIdsAreNotSentAsAttributesEither() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "traits": {"id": "", "userId": true, "email": "a@example.com", "plan": "pro"},
                 "context": {"traits": {"id": {"crm": 7}}}}
                """)));

        assertBody(translated.request().body(), """
                {"email": "a@example.com", "plan": "pro"}
                """);
    }

    @Test
    void nullTraitsAreDropped() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": "u-1",
                 "traits": {"plan": null, "company": {"name": "Initech", "size": null}, "age": 40}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "company_name": "Initech", "age": 40}
                """);
    }

    @Test
    void nestedObjectsAreFlattenedToParentChildKeys() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": "u-1",
                 "traits": {"address": {"city": "Austin", "geo": {"lat": 30.27, "lng": -97.74}}, "plan": "pro"}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "address_city": "Austin", "address_geo_lat": 30.27, "address_geo_lng": -97.74, "plan": "pro"}
                """);
    }

    @Test
    void arraysAreSentAsTheirCompactJsonText() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": "u-1",
                 "traits": {"tags": [ "a", "b" ], "prefs": {"channels": [1, {"x": true}]}}}
                """)));

        ObjectNode body = translated.request().body();
        assertThat(body.get("tags").isTextual()).isTrue();
        assertThat(body.get("tags").asText()).isEqualTo("[\"a\",\"b\"]");
        assertThat(body.get("prefs_channels").asText()).isEqualTo("[1,{\"x\":true}]");
    }

    @Test
    void scalarTraitsKeepTheirJsonTypes() {
        Translated translated = translated(mapper.map(event("""
                {"type": "identify", "userId": "u-1", "traits": {"vip": true, "logins": 12, "score": 4.5, "plan": "pro"}}
                """)));

        ObjectNode body = translated.request().body();
        assertThat(body.get("vip").isBoolean()).isTrue();
        assertThat(body.get("logins").isIntegralNumber()).isTrue();
        assertThat(body.get("score").isFloatingPointNumber()).isTrue();
        assertThat(body.get("plan").isTextual()).isTrue();
    }

    @Test
    void engageAudienceAndComputedTraitsPassThroughAsOrdinaryTraits() {
        Translated translated = translated(mapper.map(event("""
                {
                  "type": "identify",
                  "messageId": "personas_2Kq9Pz0xYb",
                  "userId": "u-77",
                  "integrations": {"All": false, "Refiner": true},
                  "context": {"personas": {"computation_class": "audience", "computation_key": "high_value_users", "space_id": "spa_1"}},
                  "traits": {"email": "vip@example.com", "high_value_users": true, "order_completed_last_30days": true}
                }
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-77", "email": "vip@example.com", "high_value_users": true, "order_completed_last_30days": true}
                """);
    }

    @Test
    void renamesApplyToTopLevelTraitKeys() {
        IdentifyMapper renaming = new IdentifyMapper(new AttributeRenames(Map.of("plan", "tier", "company", "employer")));

        Translated translated = translated(renaming.map(event("""
                {"type": "identify", "userId": "u-1", "traits": {"plan": "pro", "company": "Initech", "age": 40}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "tier": "pro", "employer": "Initech", "age": 40}
                """);
    }

    @Test
    void renameOfANestedObjectKeyHappensBeforeFlattening() {
        IdentifyMapper renaming = new IdentifyMapper(new AttributeRenames(Map.of("address", "home")));

        Translated translated = translated(renaming.map(event("""
                {"type": "identify", "userId": "u-1", "traits": {"address": {"city": "Austin", "zip": "78701"}}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "home_city": "Austin", "home_zip": "78701"}
                """);
    }

    @Test
    void renamesDoNotApplyToNestedKeys() {
        IdentifyMapper renaming = new IdentifyMapper(new AttributeRenames(Map.of("city", "town")));

        Translated translated = translated(renaming.map(event("""
                {"type": "identify", "userId": "u-1", "traits": {"address": {"city": "Austin"}, "city": "Dallas"}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "address_city": "Austin", "town": "Dallas"}
                """);
    }

    @Test
    void renamesApplyToContextTraitsToo() {
        IdentifyMapper renaming = new IdentifyMapper(new AttributeRenames(Map.of("plan", "tier")));

        Translated translated = translated(renaming.map(event("""
                {"type": "identify", "userId": "u-1", "context": {"traits": {"plan": "free"}}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "tier": "free"}
                """);
    }

    @Test
    void aTraitRenamedToIdOrEmailDoesNotBecomeTheContactIdentity() {
        IdentifyMapper renaming = new IdentifyMapper(new AttributeRenames(Map.of("externalId", "id", "workEmail", "email")));

        Translated translated = translated(renaming.map(event("""
                {"type": "identify", "traits": {"email": "a@example.com", "externalId": "crm-9", "workEmail": "w@example.com"}}
                """)));

        assertBody(translated.request().body(), """
                {"email": "a@example.com"}
                """);
    }

}

package io.segmentrefiner.refiner;

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

class GroupMapperTest {

    private final GroupMapper mapper = new GroupMapper(AttributeRenames.NONE);

    @Test
    void groupBecomesAnIdentifyUserPostWithTheAccount() {
        Translated translated = translated(mapper.map(event("""
                {
                  "type": "group",
                  "messageId": "ajs-next-0c2b8a7d5e",
                  "timestamp": "2024-05-02T10:20:00.000Z",
                  "anonymousId": "507f191e810c19729de860ea",
                  "userId": "97980cfea0067",
                  "groupId": "0e8c78ea9d97a7b8185e8632",
                  "context": {
                    "ip": "8.8.8.8",
                    "library": {"name": "analytics.js", "version": "2.11.1"},
                    "traits": {"email": "peter@example.com"}
                  },
                  "traits": {
                    "name": "Initech",
                    "industry": "Technology",
                    "employees": 329,
                    "plan": "enterprise"
                  }
                }
                """)));

        assertThat(translated.type()).isEqualTo(CallType.GROUP);
        assertThat(translated.messageId()).contains("ajs-next-0c2b8a7d5e");
        assertThat(translated.request().method()).isEqualTo("POST");
        assertThat(translated.request().path()).isEqualTo("/v1/identify-user");
        assertBody(translated.request().body(), """
                {"id": "97980cfea0067", "email": "peter@example.com",
                 "account": {"id": "0e8c78ea9d97a7b8185e8632", "name": "Initech", "industry": "Technology",
                             "employees": 329, "plan": "enterprise"}}
                """);
    }

    @Test
    void groupWithoutTraitsSendsAnAccountWithOnlyItsId() {
        Translated translated = translated(mapper.map(event("""
                {"type": "group", "userId": "u-1", "groupId": "g-1"}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "account": {"id": "g-1"}}
                """);
    }

    @Test
    void numericGroupIdAndUserIdBecomeStrings() {
        Translated translated = translated(mapper.map(event("""
                {"type": "group", "userId": 42, "groupId": 7}
                """)));

        assertBody(translated.request().body(), """
                {"id": "42", "account": {"id": "7"}}
                """);
    }

    @Test
    void groupIdFallsBackToTraitsGroupId() {
        Translated translated = translated(mapper.map(event("""
                {"type": "group", "userId": "u-1", "traits": {"groupId": "g-from-traits", "name": "Initech"}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "account": {"id": "g-from-traits", "name": "Initech"}}
                """);
    }

    @Test
    void blankGroupIdFallsBackToTraitsGroupId() {
        Translated translated = translated(mapper.map(event("""
                {"type": "group", "userId": "u-1", "groupId": "  ", "traits": {"groupId": "g-from-traits"}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "account": {"id": "g-from-traits"}}
                """);
    }

    @Test
    void topLevelGroupIdWinsAndTraitsGroupIdIsNotAnAccountAttribute() {
        Translated translated = translated(mapper.map(event("""
                {"type": "group", "userId": "u-1", "groupId": "g-top", "traits": {"groupId": "g-traits", "plan": "pro"}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "account": {"id": "g-top", "plan": "pro"}}
                """);
    }

    @Test
    void missingGroupIdIsRejected() {
        SegmentEvent event = event("""
                {"type": "group", "messageId": "m-g", "userId": "u-1", "traits": {"name": "Initech"}}
                """);

        Rejected rejected = rejected(mapper.map(event), Reason.MISSING_GROUP_ID);

        assertThat(rejected.messageId()).contains("m-g");
        assertThat(rejected.source()).isEqualTo(event.source());
    }

    @Test
    void blankGroupIdWithoutTraitsGroupIdIsRejected() {
        rejected(mapper.map(event("""
                {"type": "group", "userId": "u-1", "groupId": "", "traits": {"groupId": "  "}}
                """)), Reason.MISSING_GROUP_ID);
    }

    @Test
    void missingIdentityIsReportedBeforeMissingGroupId() {
        rejected(mapper.map(event("""
                {"type": "group", "anonymousId": "anon-1", "traits": {"name": "Initech"}}
                """)), Reason.MISSING_IDENTITY);
    }

    @Test
    void traitsIdIsNotAUserIdOfAGroup() {
        rejected(mapper.map(event("""
                {"type": "group", "groupId": "g-1", "traits": {"id": "g-1", "name": "Initech"}}
                """)), Reason.MISSING_IDENTITY);
    }

    @Test
    void traitsUserIdIsNotAUserIdOfAGroup() {
        rejected(mapper.map(event("""
                {"type": "group", "groupId": "g-1", "traits": {"userId": "u-1"}}
                """)), Reason.MISSING_IDENTITY);
    }

    @Test
    void traitsEmailIsNotAnEmailOfAGroup() {
        rejected(mapper.map(event("""
                {"type": "group", "groupId": "g-1", "traits": {"email": "billing@initech.example"}}
                """)), Reason.MISSING_IDENTITY);
    }

    @Test
    void propertiesEmailIsNotAnEmailOfAGroup() {
        rejected(mapper.map(event("""
                {"type": "group", "groupId": "g-1", "properties": {"email": "p@example.com"}}
                """)), Reason.MISSING_IDENTITY);
    }

    @Test
    void anonymousIdIsNotAnIdentityOfAGroup() {
        rejected(mapper.map(event("""
                {"type": "group", "groupId": "g-1", "anonymousId": "507f191e810c19729de860ea"}
                """)), Reason.MISSING_IDENTITY);
    }

    @Test
    void groupTraitsEmailIsAnAccountAttributeNotTheContactEmail() {
        Translated translated = translated(mapper.map(event("""
                {"type": "group", "userId": "u-1", "groupId": "g-1", "traits": {"email": "billing@initech.example"}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "account": {"id": "g-1", "email": "billing@initech.example"}}
                """);
    }

    @Test
    void contextTraitsUserIdIdentifiesTheUserOfAGroup() {
        Translated translated = translated(mapper.map(event("""
                {"type": "group", "groupId": "g-1", "traits": {"id": "t-id"},
                 "context": {"traits": {"id": "c-id", "userId": "c-userId"}}}
                """)));

        assertThat(translated.request().body().get("id").asText()).isEqualTo("c-userId");
    }

    @Test
    void contextTraitsIdIdentifiesTheUserOfAGroupWhenNothingElseDoes() {
        Translated translated = translated(mapper.map(event("""
                {"type": "group", "userId": " ", "groupId": "g-1", "traits": {"userId": "t-userId", "id": "t-id"},
                 "context": {"traits": {"id": "c-id"}}}
                """)));

        assertThat(translated.request().body().get("id").asText()).isEqualTo("c-id");
    }

    @Test
    void contextTraitsEmailAloneIdentifiesTheUserOfAGroup() {
        Translated translated = translated(mapper.map(event("""
                {"type": "group", "groupId": "g-1", "context": {"traits": {"email": "peter@example.com"}}}
                """)));

        assertBody(translated.request().body(), """
                {"email": "peter@example.com", "account": {"id": "g-1"}}
                """);
    }

    @Test
    void contextTraitsAreNotAccountAttributes() {
        Translated translated = translated(mapper.map(event("""
                {"type": "group", "userId": "u-1", "groupId": "g-1",
                 "context": {"traits": {"plan": "user-plan", "email": "peter@example.com"}},
                 "traits": {"name": "Initech"}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "email": "peter@example.com", "account": {"id": "g-1", "name": "Initech"}}
                """);
    }

    @Test
    void accountIdCannotBeOverriddenByATraitNamedId() {
        Translated translated = translated(mapper.map(event("""
                {"type": "group", "userId": "u-1", "groupId": "g-1", "traits": {"id": "other", "name": "Initech"}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "account": {"id": "g-1", "name": "Initech"}}
                """);
    }

    @Test
    void accountIdCannotBeOverriddenByATraitRenamedToId() {
        GroupMapper renaming = new GroupMapper(new AttributeRenames(Map.of("externalId", "id")));

        Translated translated = translated(renaming.map(event("""
                {"type": "group", "userId": "u-1", "groupId": "g-1", "traits": {"externalId": "crm-9"}}
                """)));

        assertThat(translated.request().body().path("account").path("id").asText()).isEqualTo("g-1");
    }

    @Test
    void accountTraitsAreRenamed() {
        GroupMapper renaming = new GroupMapper(new AttributeRenames(Map.of("name", "company_name", "plan", "tier")));

        Translated translated = translated(renaming.map(event("""
                {"type": "group", "userId": "u-1", "groupId": "g-1", "traits": {"name": "Initech", "plan": "pro", "employees": 10}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "account": {"id": "g-1", "company_name": "Initech", "tier": "pro", "employees": 10}}
                """);
    }

    @Test
    void renameOfANestedAccountObjectHappensBeforeFlattening() {
        GroupMapper renaming = new GroupMapper(new AttributeRenames(Map.of("address", "hq")));

        Translated translated = translated(renaming.map(event("""
                {"type": "group", "userId": "u-1", "groupId": "g-1", "traits": {"address": {"city": "Austin", "state": "TX"}}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "account": {"id": "g-1", "hq_city": "Austin", "hq_state": "TX"}}
                """);
    }

    @Test
    void accountTraitsDropNullsFlattenObjectsAndSerializeArrays() {
        Translated translated = translated(mapper.map(event("""
                {"type": "group", "userId": "u-1", "groupId": "g-1",
                 "traits": {"website": null, "address": {"city": "Austin", "street": null}, "domains": ["initech.example", "initech.test"]}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "u-1", "account": {"id": "g-1", "address_city": "Austin", "domains": "[\\"initech.example\\",\\"initech.test\\"]"}}
                """);
    }

}

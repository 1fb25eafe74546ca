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

class PageMapperTest {

    private static final String PRICING_PAGE = """
            {
              "type": "page",
              "messageId": "ajs-next-9f8e7d6c5b",
              "timestamp": "2024-05-02T10:40:00.000Z",
              "anonymousId": "507f191e810c19729de860ea",
              "userId": "97980cfea0067",
              "category": "Docs",
              "name": "Pricing",
              "context": {
                "ip": "8.8.8.8",
                "library": {"name": "analytics.js", "version": "2.11.1"},
                "page": {"path": "/pricing", "url": "https://example.com/pricing"},
                "traits": {"email": "peter@example.com"}
              },
              "properties": {"path": "/pricing", "title": "Pricing | Example", "url": "https://example.com/pricing"}
            }
            """;

    private final PageMapper pageview = new PageMapper(PageEventNaming.PAGEVIEW);
    private final PageMapper named = new PageMapper(PageEventNaming.NAMED);

    @Test
    void pageBecomesATrackEventPostNamedPageviewByDefault() {
        Translated translated = translated(pageview.map(event(PRICING_PAGE)));

        assertThat(translated.type()).isEqualTo(CallType.PAGE);
        assertThat(translated.messageId()).contains("ajs-next-9f8e7d6c5b");
        assertThat(translated.request().method()).isEqualTo("POST");
        assertThat(translated.request().path()).isEqualTo("/v1/track-event");
        assertBody(translated.request().body(), """
                {"id": "97980cfea0067", "email": "peter@example.com", "event": "pageview"}
                """);
    }

    @Test
    void namedPageWithCategoryAndNameIsViewedCategoryNamePage() {
        Translated translated = translated(named.map(event(PRICING_PAGE)));

        assertThat(translated.request().path()).isEqualTo("/v1/track-event");
        assertBody(translated.request().body(), """
                {"id": "97980cfea0067", "email": "peter@example.com", "event": "Viewed Docs Pricing Page"}
                """);
    }

    @Test
    void namedPageWithOnlyANameIsViewedNamePage() {
        assertThat(namedEvent("""
                {"type": "page", "userId": "u-1", "name": "Home"}
                """)).isEqualTo("Viewed Home Page");
    }

    @Test
    void namedPageWithOnlyACategoryIsViewedCategoryPage() {
        assertThat(namedEvent("""
                {"type": "page", "userId": "u-1", "category": "Docs"}
                """)).isEqualTo("Viewed Docs Page");
    }

    @Test
    void namedPageWithoutNameOrCategoryIsPageview() {
        assertThat(namedEvent("""
                {"type": "page", "userId": "u-1", "properties": {"path": "/", "title": "Example"}}
                """)).isEqualTo("pageview");
    }

    @Test
    void namedPageFallsBackToPropertiesNameAndCategory() {
        assertThat(namedEvent("""
                {"type": "page", "userId": "u-1", "properties": {"name": "Pricing", "category": "Docs"}}
                """)).isEqualTo("Viewed Docs Pricing Page");
    }

    @Test
    void namedPageFallsBackToPropertiesNameAlone() {
        assertThat(namedEvent("""
                {"type": "page", "userId": "u-1", "properties": {"name": "Pricing"}}
                """)).isEqualTo("Viewed Pricing Page");
    }

    @Test
    void topLevelNameAndCategoryWinOverProperties() {
        assertThat(namedEvent("""
                {"type": "page", "userId": "u-1", "name": "Pricing", "category": "Docs",
                 "properties": {"name": "Other", "category": "Elsewhere"}}
                """)).isEqualTo("Viewed Docs Pricing Page");
    }

    @Test
    void namedPageCombinesTopLevelNameWithPropertiesCategory() {
        assertThat(namedEvent("""
                {"type": "page", "userId": "u-1", "name": "Pricing", "properties": {"category": "Docs"}}
                """)).isEqualTo("Viewed Docs Pricing Page");
    }

    @Test
    void blankNameAndCategoryFallBackToProperties() {
        assertThat(namedEvent("""
                {"type": "page", "userId": "u-1", "name": " ", "category": "",
                 "properties": {"name": "Pricing", "category": "Docs"}}
                """)).isEqualTo("Viewed Docs Pricing Page");
    }

    @Test
    void blankNamesEverywhereGivePageview() {
        assertThat(namedEvent("""
                {"type": "page", "userId": "u-1", "name": " ", "properties": {"name": "", "category": "  "}}
                """)).isEqualTo("pageview");
    }

    @Test
    void pageviewNamingIgnoresNameAndCategory() {
        Translated translated = translated(pageview.map(event("""
                {"type": "page", "userId": "u-1", "name": "Pricing", "category": "Docs"}
                """)));

        assertThat(translated.request().body().get("event").asText()).isEqualTo("pageview");
    }

    @Test
    void propertiesEmailIdentifiesAPage() {
        Translated translated = translated(pageview.map(event("""
                {"type": "page", "anonymousId": "anon-1", "properties": {"email": "visitor@example.com", "path": "/"}}
                """)));

        assertBody(translated.request().body(), """
                {"email": "visitor@example.com", "event": "pageview"}
                """);
    }

    @Test
    void traitsIdIdentifiesThePageViewer() {
        Translated translated = translated(pageview.map(event("""
                {"type": "page", "traits": {"id": "t-id"}}
                """)));

        assertBody(translated.request().body(), """
                {"id": "t-id", "event": "pageview"}
                """);
    }

    @Test
    void pageWithoutIdentityIsRejected() {
        SegmentEvent event = event("""
                {"type": "page", "messageId": "m-p", "anonymousId": "anon-1", "name": "Home"}
                """);

        Outcome outcome = named.map(event);

        Rejected rejected = rejected(outcome, Reason.MISSING_IDENTITY);
        assertThat(rejected.messageId()).contains("m-p");
        assertThat(rejected.source()).isEqualTo(event.source());
    }

    @Test
    void pageEventNamingParsesCaseInsensitively() {
        assertThat(PageEventNaming.parse("Named")).isEqualTo(PageEventNaming.NAMED);
        assertThat(PageEventNaming.parse(" pageview ")).isEqualTo(PageEventNaming.PAGEVIEW);
    }

    // --- helpers ---
    private String namedEvent(String json) {
        return translated(named.map(event(json))).request().body().get("event").asText();
    }

}

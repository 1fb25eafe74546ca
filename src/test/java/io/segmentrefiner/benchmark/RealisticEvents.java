package io.segmentrefiner.benchmark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.UUID;

/**
 * Segment events of realistic shape and size, as analytics.js sends them through Segment's pipeline: a full
 * {@code context} (library, page, user agent, IP, locale, campaign), timestamps, ids. The mix is mostly track and
 * page, some identify and group, and a few that are skipped or rejected, as in production.
 */
final class RealisticEvents {

    private final ObjectMapper json = new ObjectMapper();
    private final Random random;
    private final int users;

    RealisticEvents(long seed, int users) {
        this.random = new Random(seed);
        this.users = users;
    }

    record Event(String key, byte[] value) {
    }

    Event next() {
        int user = random.nextInt(users);
        String userId = "user-" + user;
        ObjectNode event = json.createObjectNode();
        int roll = random.nextInt(100);
        if (roll < 45) {
            event.put("type", "track").put("event", EVENTS[random.nextInt(EVENTS.length)]);
            event.putObject("properties").put("plan", "pro").put("revenue", random.nextInt(500)).put("currency", "EUR")
                    .put("product_id", "sku-" + random.nextInt(10_000)).put("category", "surveys");
        } else if (roll < 75) {
            event.put("type", "page").put("name", PAGES[random.nextInt(PAGES.length)]).put("category", "Docs");
            event.putObject("properties").put("path", "/docs/" + random.nextInt(100)).put("referrer", "https://www.google.com/")
                    .put("title", "Docs page").put("url", "https://app.example.com/docs/" + random.nextInt(100));
        } else if (roll < 88) {
            event.put("type", "identify");
            ObjectNode traits = event.putObject("traits");
            traits.put("email", userId + "@example.com").put("name", "User " + user).put("plan", "pro")
                    .put("createdAt", "2025-03-01T10:00:00Z").put("logins", random.nextInt(300));
            traits.putObject("address").put("city", "Lyon").put("country", "FR").put("postalCode", "69001");
            traits.putArray("roles").add("admin").add("editor");
            traits.put("order_completed_last_30days", random.nextBoolean());
        } else if (roll < 95) {
            event.put("type", "group").put("groupId", "account-" + (user % 500));
            event.putObject("traits").put("name", "Account " + (user % 500)).put("plan", "enterprise")
                    .put("employees", 250).put("industry", "Software");
        } else if (roll < 98) {
            event.put("type", "screen").put("name", "Home");
        } else {
            event.put("type", "track").put("event", "Anonymous Visit");
            userId = null;
        }
        if (userId != null) {
            event.put("userId", userId);
        }
        String anonymousId = UUID.randomUUID().toString();
        event.put("anonymousId", anonymousId).put("messageId", "ajs-next-" + UUID.randomUUID())
                .put("timestamp", "2026-11-28T10:00:00.000Z").put("sentAt", "2026-11-28T10:00:00.120Z")
                .put("receivedAt", "2026-11-28T10:00:00.250Z").put("originalTimestamp", "2026-11-28T10:00:00.000Z")
                .put("writeKey", "wk_3f9a8b7c6d5e4f3a2b1c").put("version", 2).put("channel", "client");
        ObjectNode context = event.putObject("context");
        context.putObject("library").put("name", "analytics.js").put("version", "npm:next-1.70.0");
        context.putObject("page").put("path", "/app/home").put("referrer", "").put("search", "")
                .put("title", "Example App").put("url", "https://app.example.com/app/home");
        context.put("userAgent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
        context.putObject("userAgentData").put("mobile", false).put("platform", "macOS")
                .putArray("brands").addObject().put("brand", "Chromium").put("version", "131");
        context.put("locale", "en-US").put("timezone", "Europe/Paris").put("ip", "203.0.113." + random.nextInt(255));
        context.putObject("campaign").put("name", "autumn").put("source", "newsletter").put("medium", "email");
        event.putObject("integrations");
        return new Event(userId == null ? anonymousId : userId, json.valueToTree(event).toString().getBytes(StandardCharsets.UTF_8));
    }

    private static final String[] EVENTS = {"Survey Shown", "Survey Answered", "Survey Dismissed", "Feature Used",
            "Report Exported", "Invite Sent", "Order Completed"};
    private static final String[] PAGES = {"Home", "Pricing", "Settings", "Billing", "Reports"};
}

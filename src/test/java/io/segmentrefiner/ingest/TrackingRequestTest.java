package io.segmentrefiner.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.ingest.TrackingRequest.Success;
import io.segmentrefiner.ingest.TrackingRequest.Answer;
import io.segmentrefiner.ingest.TrackingRequest.Failure;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class TrackingRequestTest {

    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00.000Z");
    private static final Optional<String> BASIC = Optional.of(basic("wk_web"));

    private final TrackingRequest tracking = new TrackingRequest(new ObjectMapper(), Set.of("wk_web", "wk_ios"));

    private static String basic(String writeKey) {
        return "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
    }

    private Answer post(String path, Optional<String> authorization, String body) {
        return tracking.handle(path, authorization, Optional.empty(), body.getBytes(StandardCharsets.UTF_8), NOW);
    }

    private static List<ObjectNode> accepted(Answer outcome) {
        assertThat(outcome).isInstanceOf(Success.class);
        return ((Success) outcome).events().stream().map(TrackingRequest.Event::json).toList();
    }

    private static Failure refused(Answer outcome, int status) {
        assertThat(outcome).isInstanceOf(Failure.class);
        assertThat(((Failure) outcome).status()).isEqualTo(status);
        return (Failure) outcome;
    }

    @ParameterizedTest
    @ValueSource(strings = {"identify", "track", "page", "screen", "group", "alias"})
    void eachCallGetsItsTypeFromThePath(String call) {
        ObjectNode event = accepted(post("/v1/" + call, BASIC, "{\"userId\":\"u-1\"}")).get(0);

        assertThat(event.get("type").asText()).isEqualTo(call);
        assertThat(event.get("messageId").asText()).isNotBlank();
        assertThat(event.get("receivedAt").asText()).isEqualTo("2026-11-28T12:00:00.000Z");
        assertThat(event.get("timestamp").asText()).as("no client time: the receive time").isEqualTo("2026-11-28T12:00:00.000Z");
    }

    @Test
    void theWriteKeyMayComeInTheBodyAndIsNotWritten() {
        ObjectNode event = accepted(post("/v1/track", Optional.empty(), "{\"writeKey\":\"wk_ios\",\"userId\":\"u\",\"event\":\"E\"}")).get(0);

        assertThat(event.has("writeKey")).isFalse();
    }

    @Test
    void noOrAnUnknownWriteKeyIs401() {
        refused(post("/v1/track", Optional.empty(), "{\"userId\":\"u\",\"event\":\"E\"}"), 401);
        refused(post("/v1/track", Optional.of(basic("wk_other")), "{\"userId\":\"u\",\"event\":\"E\"}"), 401);
        refused(post("/v1/track", Optional.of("Bearer wk_web"), "{\"userId\":\"u\",\"event\":\"E\"}"), 401);
    }

    @Test
    void invalidJsonIs400() {
        refused(post("/v1/track", BASIC, "{\"userId\":"), 400);
        refused(post("/v1/track", BASIC, "[1,2]"), 400);
        refused(post("/v1/track", BASIC, "{\"userId\":\"u\"} trailing"), 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"c328", "ff", "c0af", "eda080", "f4908080", "e282"})
    void aBodyThatIsNotUtf8Is400PlainGzippedOrAsABatch(String hex) throws IOException {
        // Valid JSON around the bad bytes: Jackson alone reads the overlong '/' (C0 AF) and the surrogate (ED A0 80).
        byte[] bad = HexFormat.of().parseHex(hex);
        byte[] call = concat("{\"userId\":\"u\",\"event\":\"", bad, "\"}");
        byte[] batch = concat("{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\"},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"", bad, "\"}]}");
        String expected = "Invalid JSON: the body is not UTF-8 (a malformed byte sequence at byte %d)";

        Failure plain = refused(tracking.handle("/v1/track", BASIC, Optional.empty(), call, NOW), 400);
        Failure zipped = refused(tracking.handle("/v1/track", BASIC, Optional.of("gzip"), gzip(call), NOW), 400);
        Failure inABatch = refused(tracking.handle("/v1/batch", BASIC, Optional.empty(), batch, NOW), 400);

        int at = "{\"userId\":\"u\",\"event\":\"".length();
        assertThat(plain.message()).isEqualTo(expected.formatted(at));
        assertThat(zipped.message()).as("where in the unzipped body").isEqualTo(expected.formatted(at));
        assertThat(inABatch.message()).as("the whole batch refused").isEqualTo(expected.formatted(batch.length - bad.length - 4));
    }

    @Test
    void aBodyInUtf16OrUtf32Is400ThoughJacksonWouldDetectAndReadIt() {
        String track = "{\"userId\":\"u\",\"event\":\"E\"}";

        for (Charset charset : List.of(StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE, Charset.forName("UTF-32BE"), Charset.forName("UTF-32LE"))) {
            Failure refused = refused(tracking.handle("/v1/track", BASIC, Optional.empty(), track.getBytes(charset), NOW), 400);
            assertThat(refused.message()).as(charset.name()).startsWith("Invalid JSON: a NUL byte at byte ")
                    .endsWith("(JSON is UTF-8, not UTF-16 or UTF-32)");
        }
    }

    @Test
    void aCallOver32KbOrABatchOver500KbIs413() {
        String big = "x".repeat(33 * 1024);
        refused(post("/v1/track", BASIC, "{\"userId\":\"u\",\"event\":\"" + big + "\"}"), 413);
        accepted(post("/v1/batch", BASIC, "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"" + "x".repeat(30 * 1024) + "\"}]}"));
        refused(post("/v1/batch", BASIC, "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"" + big + "\"}]}"), 413);
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 20; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"").append("y".repeat(30 * 1024)).append("\"}");
        }
        refused(post("/v1/batch", BASIC, batch.append("]}").toString()), 413);
    }

    @Test
    void aBatchElementWithoutTypeRefusesTheWholeBatch() {
        Failure refused = refused(post("/v1/batch", BASIC,
                "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\"},{\"userId\":\"u\",\"event\":\"F\"}]}"), 400);

        assertThat(refused.message()).contains("element 1").contains("no type");
    }

    @Test
    void aBatchKeepsItsOrderAndFoldsInTheEnvelope() {
        List<ObjectNode> events = accepted(post("/v1/import", BASIC, """
                {"batch":[{"type":"identify","userId":"u","messageId":"m-1"},
                          {"type":"track","userId":"u","event":"E","messageId":"m-2","context":{"ip":"own"}}],
                 "context":{"library":{"name":"analytics-java"}},"integrations":{"Refiner":true}}"""));

        assertThat(events).extracting(e -> e.get("messageId").asText()).containsExactly("m-1", "m-2");
        assertThat(events.get(0).at("/context/library/name").asText()).isEqualTo("analytics-java");
        assertThat(events.get(1).at("/context/ip").asText()).isEqualTo("own");
        assertThat(events.get(1).at("/integrations/Refiner").asBoolean()).isTrue();
    }

    @Test
    void theTimestampIsCorrectedForTheClientsClockWhenItSentSentAt() {
        // The client's clock is 10 minutes fast; its event happened 2 s before it sent the call.
        ObjectNode event = accepted(post("/v1/track", BASIC, """
                {"userId":"u","event":"E","timestamp":"2026-11-28T12:09:58.000Z","sentAt":"2026-11-28T12:10:00.000Z"}""")).get(0);

        assertThat(event.get("timestamp").asText()).isEqualTo("2026-11-28T11:59:58.000Z");
        assertThat(event.get("originalTimestamp").asText()).isEqualTo("2026-11-28T12:09:58.000Z");
        assertThat(event.get("receivedAt").asText()).isEqualTo("2026-11-28T12:00:00.000Z");
    }

    @Test
    void aClientClockTooFarOffToCorrectForKeepsTheClientsTimestamp() {
        ObjectNode event = accepted(post("/v1/track", BASIC, """
                {"userId":"u","event":"E","timestamp":"+999999999-12-31T23:59:59Z","sentAt":"-999999999-01-01T00:00:00Z"}""")).get(0);

        assertThat(event.get("timestamp").asText()).isEqualTo("+999999999-12-31T23:59:59.000Z");
        assertThat(event.get("receivedAt").asText()).isEqualTo("2026-11-28T12:00:00.000Z");
    }

    @Test
    void aBatchsSentAtCorrectsEachEvent() {
        List<ObjectNode> events = accepted(post("/v1/batch", BASIC, """
                {"sentAt":"2026-11-28T12:10:00.000Z","batch":[
                  {"type":"track","userId":"u","event":"E","timestamp":"2026-11-28T12:09:00.000Z"}]}"""));

        assertThat(events.get(0).get("timestamp").asText()).isEqualTo("2026-11-28T11:59:00.000Z");
    }

    @Test
    void aMessageIdTheClientSentIsKept() {
        assertThat(accepted(post("/v1/track", BASIC, "{\"userId\":\"u\",\"event\":\"E\",\"messageId\":\"mine\"}")).get(0)
                .get("messageId").asText()).isEqualTo("mine");
    }

    @Test
    void gzipBodiesAreAcceptedAndTheirLimitIsOnTheUnzippedSize() throws IOException {
        byte[] zipped = gzip("{\"userId\":\"u\",\"event\":\"E\"}");
        assertThat(accepted(tracking.handle("/v1/track", BASIC, Optional.of("gzip"), zipped, NOW))).hasSize(1);

        byte[] bomb = gzip("{\"userId\":\"u\",\"event\":\"" + "z".repeat(100 * 1024) + "\"}");
        assertThat(bomb.length).isLessThan(32 * 1024);
        refused(tracking.handle("/v1/track", BASIC, Optional.of("gzip"), bomb, NOW), 413);
        refused(tracking.handle("/v1/track", BASIC, Optional.of("gzip"), "not gzip".getBytes(StandardCharsets.UTF_8), NOW), 400);
    }

    @Test
    void aTrailingSlashNamesTheSameCall() {
        assertThat(accepted(post("/v1/import/", BASIC, "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\"}]}"))).hasSize(1);
        assertThat(accepted(post("/v1/track/", BASIC, "{\"userId\":\"u\",\"event\":\"E\"}"))).hasSize(1);
    }

    @Test
    void anUnknownPathIs404() {
        refused(post("/v1/unknown", BASIC, "{}"), 404);
    }

    private static byte[] gzip(String text) throws IOException {
        return gzip(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        }
        return out.toByteArray();
    }

    /** Strings as UTF-8, and byte arrays as they are, one after the other. */
    private static byte[] concat(Object... parts) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Object part : parts) {
            bytes.writeBytes(part instanceof byte[] raw ? raw : ((String) part).getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }
}

package io.segmentrefiner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TranslateCommandTest {

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = SegmentRefiner.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        return commandLine.execute(args);
    }

    /** Strings as UTF-8, and byte arrays as they are, one after the other. */
    private static byte[] concat(Object... parts) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Object part : parts) {
            bytes.writeBytes(part instanceof byte[] raw ? raw : ((String) part).getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private List<JsonNode> lines() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            if (!line.isBlank()) {
                lines.add(json.readTree(line));
            }
        }
        return lines;
    }

    @Test
    void printsOneLinePerEventInOrder() throws Exception {
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, """
                {"type":"identify","messageId":"m-1","userId":"u-1","traits":{"email":"ann@example.com","plan":"pro"}}
                {"type":"screen","messageId":"m-2","userId":"u-1"}
                {"type":"track","messageId":"m-3","anonymousId":"a-1","event":"E"}

                not json at all
                {"batch":[{"type":"track","messageId":"b-1","userId":"u-2","event":"Opened"},{"type":"page","messageId":"b-2","userId":"u-2"}]}
                """);

        assertThat(run("translate", events.toString())).isZero();

        List<JsonNode> lines = lines();
        assertThat(lines).hasSize(6);
        assertThat(lines.get(0)).isEqualTo(json.readTree("""
                {"messageId":"m-1","outcome":"request","request":{"method":"POST","path":"/v1/identify-user",
                 "body":{"id":"u-1","email":"ann@example.com","plan":"pro"}}}"""));
        assertThat(lines.get(1)).isEqualTo(json.readTree("""
                {"messageId":"m-2","outcome":"skipped","reason":"UNSUPPORTED_TYPE"}"""));
        assertThat(lines.get(2).get("outcome").asText()).isEqualTo("rejected");
        assertThat(lines.get(2).get("reason").asText()).isEqualTo("MISSING_IDENTITY");
        assertThat(lines.get(2).get("message").asText()).isNotBlank();
        assertThat(lines.get(3).get("messageId").isNull()).isTrue();
        assertThat(lines.get(3).get("reason").asText()).isEqualTo("INVALID_JSON");
        assertThat(lines.get(4).get("messageId").asText()).isEqualTo("b-1");
        assertThat(lines.get(5).get("request").get("body").get("event").asText()).isEqualTo("pageview");
        assertThat(lines.get(0).fieldNames()).toIterable().containsExactly("messageId", "outcome", "request");
    }

    @Test
    void aCopyOfAMessageIdTranslatedEarlierInTheInputIsSkippedAsDuplicateUnlessDedupIsOff() throws Exception {
        Path events = dir.resolve("copies.jsonl");
        Files.writeString(events, """
                {"type":"track","messageId":"m-1","userId":"u-1","event":"E"}
                {"type":"track","messageId":"m-1","userId":"u-1","event":"E"}
                {"type":"track","userId":"u-1","event":"No messageId"}
                {"type":"track","userId":"u-1","event":"No messageId"}
                """);
        Path off = dir.resolve("off.properties");
        Files.writeString(off, "dedup.window=0\n");

        assertThat(run("translate", events.toString())).isZero();
        List<String> outcomes = lines().stream().map(line -> line.get("outcome").asText() + " " + line.path("reason").asText("")).toList();
        out.getBuffer().setLength(0);
        assertThat(run("translate", "--config", off.toString(), events.toString())).isZero();
        List<String> withoutDedup = lines().stream().map(line -> line.get("outcome").asText()).toList();

        assertThat(outcomes).containsExactly("request ", "skipped DUPLICATE", "request ", "request ");
        assertThat(withoutDedup).containsExactly("request", "request", "request", "request");
    }

    @Test
    void readsStandardInputWithoutAFileAndUsesTheConfig() throws Exception {
        Path config = dir.resolve("refiner.properties");
        Files.writeString(config, "mapping.page.event=named\n");
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("{\"type\":\"page\",\"userId\":\"u\",\"name\":\"Pricing\"}\n".getBytes(StandardCharsets.UTF_8)));
            assertThat(run("translate", "--config", config.toString())).isZero();
        } finally {
            System.setIn(stdin);
        }

        assertThat(lines().get(0).at("/request/body/event").asText()).isEqualTo("Viewed Pricing Page");
    }

    // Three lines that are JSON but not UTF-8, between two valid ones: C3 then '(' (not a continuation byte), FF
    // (never in UTF-8), and an overlong '/' (C0 AF, which Jackson alone reads as '/').
    private static final String BAD_PREFIX = "{\"type\":\"track\",\"messageId\":\"bad\",\"userId\":\"u-1\",\"event\":\"";
    private static final byte[] MIXED = concat(
            "{\"type\":\"track\",\"messageId\":\"m-1\",\"userId\":\"u-1\",\"event\":\"Before\"}\n",
            BAD_PREFIX, new byte[]{(byte) 0xC3, 0x28}, "\"}\n",
            BAD_PREFIX, new byte[]{(byte) 0xFF}, "\"}\n",
            BAD_PREFIX, new byte[]{(byte) 0xC0, (byte) 0xAF}, "\"}\r\n",
            "{\"type\":\"track\",\"messageId\":\"m-2\",\"userId\":\"u-1\",\"event\":\"After\"}\n");

    @Test
    void aLineThatIsNotUtf8IsOneRejectedOutcomeAndTheRestOfTheFileIsTranslated() throws Exception {
        Path events = Files.write(dir.resolve("events.jsonl"), MIXED);

        assertThat(run("translate", events.toString())).as(err.toString()).isZero();

        assertTheMixedLinesWereTranslated();
    }

    @Test
    void aLineThatIsNotUtf8IsOneRejectedOutcomeOnStandardInputToo() throws Exception {
        InputStream stdin = System.in;
        int status;
        try {
            System.setIn(new ByteArrayInputStream(MIXED));
            status = run("translate");
        } finally {
            System.setIn(stdin);
        }

        assertThat(status).as(err.toString()).isZero();
        assertTheMixedLinesWereTranslated();
    }

    private void assertTheMixedLinesWereTranslated() throws Exception {
        List<JsonNode> lines = lines();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0).get("messageId").asText()).isEqualTo("m-1");
        assertThat(lines.get(0).get("outcome").asText()).isEqualTo("request");
        String rejected = """
                {"messageId":null,"outcome":"rejected","reason":"INVALID_JSON",
                 "message":"The record value is not UTF-8: a malformed byte sequence at byte %d."}""".formatted(BAD_PREFIX.length());
        assertThat(lines.subList(1, 4)).containsExactly(json.readTree(rejected), json.readTree(rejected), json.readTree(rejected));
        assertThat(lines.get(4).get("messageId").asText()).isEqualTo("m-2");
        assertThat(lines.get(4).get("outcome").asText()).isEqualTo("request");
        assertThat(err.toString()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void aFileThatCannotBeReadEndsWithStatusTwoAndNoStackTrace() {
        assertThat(run("translate", dir.resolve("none.jsonl").toString())).isEqualTo(2);
        assertThat(run("translate", dir.toString())).isEqualTo(2);

        assertThat(err.toString()).contains("Cannot read " + dir.resolve("none.jsonl")).contains("Cannot read " + dir)
                .doesNotContain("Exception", "\tat ");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aBadSettingEndsWithOneMessageNamingTheKey() throws Exception {
        Path config = dir.resolve("refiner.properties");
        Files.writeString(config, "mapping.page.event=sometimes\n");

        assertThat(run("translate", "--config", config.toString(), dir.resolve("none.jsonl").toString())).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("segment-refiner: Setting 'mapping.page.event'").doesNotContain("Exception", "\tat ");
    }
}

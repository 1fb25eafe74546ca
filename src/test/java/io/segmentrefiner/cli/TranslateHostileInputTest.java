package io.segmentrefiner.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.segmentrefiner.refiner.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code translate} on generated hostile Segment messages: wrong types everywhere, nesting around and beyond
 * Jackson's depth limit, a 1 MB string, truncated JSON, trailing text, random bytes, bytes that are not UTF-8, NUL
 * bytes, lone surrogates. Whatever a line holds, it gives one well-formed outcome and no stack trace.
 */
class TranslateHostileInputTest {

    private static final int GENERATED = 2_000;
    private static final String[] KEYS = {"type", "messageId", "userId", "anonymousId", "event", "groupId", "traits", "context",
            "properties", "integrations", "name", "category", "receivedAt", "timestamp", "email", "id", "All", "Refiner", "batch"};
    private static final String[] TYPES = {"identify", "Identify", "group", "GROUP", "track", "page", "screen", "alias", " track ", ""};
    private static final String[] SURROGATE_ESCAPES = {"\\ud800", "\\udfff", "\\ud83d", "\\ude00\\ud83d", "a\\ud800b", "\\u0000"};
    private static final byte[][] NOT_UTF8 = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0x80},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};

    @TempDir
    Path dir;

    private final ObjectReader strict = new ObjectMapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @Test
    void everyHostileLineGivesOneWellFormedOutcomeAndNothingEndsTheCommand() throws Exception {
        Random random = new Random(20_261_128);
        List<byte[]> lines = new ArrayList<>();
        lines.add(utf8("{\"type\":\"identify\",\"userId\":\"u-1\",\"traits\":{\"essay\":\"" + "x".repeat(1024 * 1024) + "\"}}"));
        lines.add(utf8("{\"type\":\"track\",\"userId\":\"u-1\",\"event\":\"E\",\"properties\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}"));
        lines.add(utf8("{\"type\":\"identify\",\"userId\":1e999,\"messageId\":1e999,\"traits\":{\"n\":1e999}}"));
        lines.add(utf8("{\"type\":1e999,\"userId\":\"u-1\"}"));
        lines.add(utf8("{\"type\":\"group\",\"userId\":\"u-1\",\"groupId\":-1e999}"));
        for (int i = 0; i < GENERATED; i++) {
            lines.add(hostileLine(random));
        }
        Path input = dir.resolve("hostile.jsonl");
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            file.writeBytes(line);
            file.write('\n');
        }
        Files.write(input, file.toByteArray());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = SegmentRefiner.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));

        int status = commandLine.execute("translate", input.toString());

        assertThat(err.toString()).doesNotContain("Exception", "Error", "\tat ");
        assertThat(status).isZero();
        List<byte[]> nonBlank = lines.stream().filter(line -> !new JsonLines.Line(0, line).isBlank()).toList();
        String[] outcomes = out.toString().split("\n", -1);
        assertThat(outcomes[outcomes.length - 1]).as("the output ends with a line break").isEmpty();
        assertThat(outcomes.length - 1).as("one outcome per non-blank line").isEqualTo(nonBlank.size());
        for (int i = 0; i < nonBlank.size(); i++) {
            JsonNode outcome = wellFormedOutcome(outcomes[i]);
            if (!isUtf8(nonBlank.get(i))) {
                assertThat(outcome.get("reason").asText()).as(outcomes[i]).isEqualTo("INVALID_JSON");
                assertThat(outcome.get("message").asText()).as(outcomes[i]).startsWith("The record value is not UTF-8: ");
            }
        }
    }

    private JsonNode wellFormedOutcome(String line) throws Exception {
        JsonNode outcome = strict.readTree(line);
        assertThat(outcome.isObject()).as(line).isTrue();
        assertThat(outcome.has("messageId") && (outcome.get("messageId").isNull() || outcome.get("messageId").isTextual())).as(line).isTrue();
        switch (outcome.path("outcome").asText()) {
            case "request" -> {
                assertThat(outcome.at("/request/method").asText()).as(line).isEqualTo("POST");
                assertThat(outcome.at("/request/path").asText()).as(line).isIn("/v1/identify-user", "/v1/track-event");
                assertThat(outcome.at("/request/body").isObject()).as(line).isTrue();
            }
            case "skipped" -> assertThat(outcome.get("reason").asText()).as(line).isIn("DISABLED", "UNSUPPORTED_TYPE");
            case "rejected" -> {
                assertThat(Reason.valueOf(outcome.get("reason").asText())).as(line).isNotIn(Reason.DISABLED, Reason.UNSUPPORTED_TYPE);
                assertThat(outcome.get("message").asText()).as(line).isNotBlank();
            }
            default -> throw new AssertionError("not an outcome: " + line);
        }
        return outcome;
    }

    // --- the hostile lines ---

    private static byte[] hostileLine(Random random) {
        return switch (random.nextInt(10)) {
            case 0, 1, 2 -> utf8(wrongTypes(random));
            case 3 -> utf8(deeplyNested(random));
            case 4 -> truncated(random, utf8(wrongTypes(random)));
            case 5 -> utf8(wrongTypes(random) + pick(random, " x", "}", "]", "{}", "null", ",", " {\"type\":\"track\"}", " \t", "//", "\u0000"));
            case 6 -> randomBytes(random);
            case 7 -> insert(random, utf8(wrongTypes(random)), NOT_UTF8[random.nextInt(NOT_UTF8.length)]);
            case 8 -> insert(random, utf8(wrongTypes(random)), new byte[]{0});
            default -> utf8(withSurrogateEscapes(random));
        };
    }

    /** An event whose fields hold anything: the right type, the wrong one, or a value of no use. */
    private static String wrongTypes(Random random) {
        StringBuilder event = new StringBuilder("{");
        if (random.nextBoolean()) {
            event.append("\"type\":\"").append(pick(random, TYPES)).append('"');
        } else {
            event.append("\"type\":").append(value(random, 0));
        }
        if (random.nextBoolean()) {
            event.append(",\"userId\":\"u-1\"");
        }
        if (random.nextInt(4) == 0) {
            event.append(",\"integrations\":").append(pick(random, "{\"Refiner\":false}", "{\"All\":false}",
                    "{\"All\":false,\"Refiner\":true}", "{\"All\":false,\"Refiner\":{}}", "{\"All\":\"false\"}", "[false]", "false"));
        }
        int fields = random.nextInt(8);
        for (int i = 0; i < fields; i++) {
            String key = pick(random, KEYS);
            // A "batch" array without a type would be an envelope, with one outcome per element.
            String value = key.equals("batch") ? scalar(random) : value(random, 0);
            event.append(",\"").append(key).append("\":").append(value);
        }
        return event.append('}').toString();
    }

    private static String value(Random random, int depth) {
        int kind = random.nextInt(depth > 3 ? 6 : 9);
        if (kind < 6) {
            return scalar(random);
        }
        StringBuilder nested = new StringBuilder();
        int size = random.nextInt(4);
        if (kind == 6) {
            nested.append('[');
            for (int i = 0; i < size; i++) {
                nested.append(i == 0 ? "" : ",").append(value(random, depth + 1));
            }
            return nested.append(']').toString();
        }
        nested.append('{');
        for (int i = 0; i < size; i++) {
            nested.append(i == 0 ? "" : ",").append('"').append(pick(random, KEYS)).append("\":").append(value(random, depth + 1));
        }
        return nested.append('}').toString();
    }

    private static String scalar(Random random) {
        return switch (random.nextInt(14)) {
            case 0 -> "null";
            case 1 -> String.valueOf(random.nextBoolean());
            case 2 -> String.valueOf(random.nextInt());
            case 3 -> String.valueOf(random.nextDouble() * 1e6);
            case 4 -> pick(random, "1e999", "-1e999", "1e-400", "-0", "0.0", "1.50", "1E+308", "123456789012345678901234567890");
            case 5 -> "9".repeat(1 + random.nextInt(1_100));
            case 6 -> "\"\"";
            case 7 -> "\"   \"";
            case 8 -> "\"" + "s".repeat(random.nextInt(5_000)) + "\"";
            case 9 -> "\"" + pick(random, SURROGATE_ESCAPES) + "\"";
            case 10 -> "\"" + pick(random, "2026-11-28T10:00:00Z", "+999999999-12-31T23:59:59Z", "2026-13-45", "now") + "\"";
            case 11 -> "\"Ren\u00e9e \uD83D\uDE00\"";
            case 12 -> "\"" + pick(random, "identify", "track", "page", "group", "u-1", "a@example.com") + "\"";
            default -> "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"";
        };
    }

    /** Traits nested around Jackson's depth limit (1,000): within it they are flattened, beyond it refused. */
    private static String deeplyNested(Random random) {
        int depth = 990 + random.nextInt(20);
        boolean arrays = random.nextBoolean();
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        String inner = arrays ? "1" : "1";
        return "{\"type\":\"identify\",\"userId\":\"u-1\",\"traits\":{\"deep\":" + open.repeat(depth) + inner + close.repeat(depth) + "}}";
    }

    private static String withSurrogateEscapes(Random random) {
        String surrogate = pick(random, SURROGATE_ESCAPES);
        return random.nextBoolean()
                ? "{\"type\":\"track\",\"userId\":\"" + surrogate + "\",\"event\":\"" + surrogate + "\"}"
                : "{\"type\":\"identify\",\"userId\":\"u-1\",\"traits\":{\"" + surrogate + "\":\"" + surrogate + "\"}}";
    }

    private static byte[] truncated(Random random, byte[] line) {
        return Arrays.copyOf(line, random.nextInt(line.length));
    }

    /** Random bytes, any but a line break. */
    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(200)];
        for (int i = 0; i < bytes.length; i++) {
            do {
                bytes[i] = (byte) random.nextInt(256);
            } while (bytes[i] == '\n');
        }
        return bytes;
    }

    private static byte[] insert(Random random, byte[] line, byte[] inserted) {
        int at = random.nextInt(line.length + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(line, 0, at);
        out.writeBytes(inserted);
        out.write(line, at, line.length - at);
        return out.toByteArray();
    }

    private static String pick(Random random, String... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static byte[] utf8(String text) {
        return text.getBytes(UTF_8);
    }

    /** The JDK's strict decoder as the judge: a second opinion on the project's own check. */
    private static boolean isUtf8(byte[] bytes) {
        try {
            UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}

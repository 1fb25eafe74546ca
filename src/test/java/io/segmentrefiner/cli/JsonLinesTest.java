package io.segmentrefiner.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

class JsonLinesTest {

    @TempDir
    Path dir;

    @Test
    void splitsOnNewlinesDroppingOneCarriageReturnBeforeEach() throws IOException {
        List<JsonLines.Line> lines = lines("a\nb\r\n\r\r\nc\rd\n\nlast".getBytes(UTF_8), 64);

        assertThat(lines).extracting(line -> new String(line.bytes(), UTF_8)).containsExactly("a", "b", "\r", "c\rd", "", "last");
        assertThat(lines).extracting(JsonLines.Line::number).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void aFinalLineBreakEndsTheLastLineAndAddsNone() throws IOException {
        assertThat(lines("a\n".getBytes(UTF_8), 64)).hasSize(1);
        assertThat(lines("a\r\n".getBytes(UTF_8), 64)).hasSize(1);
        assertThat(lines(new byte[0], 64)).isEmpty();
        assertThat(lines("\n".getBytes(UTF_8), 64)).singleElement().satisfies(line -> assertThat(line.bytes()).isEmpty());
    }

    @Test
    void bytesThatAreNotUtf8ArriveUnchanged() throws IOException {
        byte[] bad = {'{', (byte) 0xC3, 0x28, (byte) 0xFF, (byte) 0xC0, (byte) 0xAF, (byte) 0xED, (byte) 0xA0, (byte) 0x80, '}'};

        List<JsonLines.Line> lines = lines(concat(bad, "\n".getBytes(UTF_8), bad), 4);

        assertThat(lines).hasSize(2).allSatisfy(line -> assertThat(line.bytes()).isEqualTo(bad));
    }

    @Test
    void aLineFarLongerThanTheBufferArrivesWhole() throws IOException {
        byte[] huge = new byte[3 * 1024 * 1024 + 17];
        Arrays.fill(huge, (byte) 'x');

        List<JsonLines.Line> lines = lines(concat("first\n".getBytes(UTF_8), huge, "\r\nafter".getBytes(UTF_8)), 64 * 1024);

        assertThat(lines).hasSize(3);
        assertThat(lines.get(1).bytes()).isEqualTo(huge);
        assertThat(new String(lines.get(2).bytes(), UTF_8)).isEqualTo("after");
    }

    @Test
    void givesTheSameLinesWhereverTheBufferBoundariesFall() throws IOException {
        Random random = new Random(8);
        byte[] alphabet = {'a', '{', '"', ' ', '\t', '\r', '\n', '\n', (byte) 0xC3, (byte) 0xFF};
        for (int round = 0; round < 200; round++) {
            byte[] input = new byte[random.nextInt(300)];
            for (int i = 0; i < input.length; i++) {
                input[i] = alphabet[random.nextInt(alphabet.length)];
            }
            List<String> expected = naiveSplit(input);
            for (int bufferSize : new int[]{1, 2, 3, 7, 64}) {
                assertThat(lines(input, bufferSize)).extracting(line -> new String(line.bytes(), UTF_8))
                        .as("buffer of %d bytes", bufferSize).containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void onlySpacesTabsAndCarriageReturnsAreBlank() {
        assertThat(new JsonLines.Line(1, new byte[0]).isBlank()).isTrue();
        assertThat(new JsonLines.Line(1, " \t\r ".getBytes(UTF_8)).isBlank()).isTrue();
        assertThat(new JsonLines.Line(1, " x ".getBytes(UTF_8)).isBlank()).isFalse();
        assertThat(new JsonLines.Line(1, new byte[]{0}).isBlank()).isFalse();
        assertThat(new JsonLines.Line(1, new byte[]{(byte) 0xC2, (byte) 0xA0}).isBlank()).as("a no-break space is not JSON whitespace").isFalse();
    }

    @Test
    void readsAFileAndClosesItButLeavesStandardInputOpen() throws IOException {
        Path file = Files.write(dir.resolve("events.jsonl"), "{}\n{}\n".getBytes(UTF_8));
        try (JsonLines lines = JsonLines.open(file)) {
            assertThat(lines.next().number()).isEqualTo(1);
            assertThat(lines.next().number()).isEqualTo(2);
            assertThat(lines.next()).isNull();
        }

        AtomicBoolean closed = new AtomicBoolean();
        ByteArrayInputStream stdin = new ByteArrayInputStream(new byte[0]) {
            @Override
            public void close() {
                closed.set(true);
            }
        };
        new JsonLines(stdin, false, 16).close();
        assertThat(closed).isFalse();
    }

    private static List<JsonLines.Line> lines(byte[] input, int bufferSize) throws IOException {
        List<JsonLines.Line> lines = new ArrayList<>();
        try (JsonLines reader = new JsonLines(new ByteArrayInputStream(input), true, bufferSize)) {
            for (JsonLines.Line line = reader.next(); line != null; line = reader.next()) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** What the lines are, the slow and obvious way. */
    private static List<String> naiveSplit(byte[] input) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= input.length; i++) {
            if (i == input.length && i == start) {
                break;
            }
            if (i == input.length || input[i] == '\n') {
                int end = i > start && input[i - 1] == '\r' ? i - 1 : i;
                lines.add(new String(Arrays.copyOfRange(input, start, end), UTF_8));
                start = i + 1;
            }
        }
        return lines;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}

package io.segmentrefiner.segment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

class Utf8Test {

    static Stream<Arguments> wellFormed() {
        return Stream.of(
                Arguments.of("empty", ""),
                Arguments.of("ASCII", "7b2274797065223a22747261636b227d"),
                Arguments.of("NUL and DEL", "007f"),
                Arguments.of("U+0080, the smallest 2-byte form", "c280"),
                Arguments.of("U+07FF, the largest 2-byte form", "dfbf"),
                Arguments.of("é", "c3a9"),
                Arguments.of("U+0800, the smallest 3-byte form", "e0a080"),
                Arguments.of("U+D7FF, just below the surrogates", "ed9fbf"),
                Arguments.of("U+E000, just above the surrogates", "ee8080"),
                Arguments.of("byte order mark U+FEFF", "efbbbf"),
                Arguments.of("byte order mark before JSON", "efbbbf7b7d"),
                Arguments.of("U+FFFD, the replacement character", "efbfbd"),
                Arguments.of("U+FFFF", "efbfbf"),
                Arguments.of("U+10000, the smallest 4-byte form", "f0908080"),
                Arguments.of("emoji U+1F600", "f09f9880"),
                Arguments.of("U+10FFFF, the largest code point", "f48fbfbf"),
                Arguments.of("mixed, multi-byte sequences across 8-byte words", "41424344454647c3a9e282acf09f9880414243"));
    }

    static Stream<Arguments> illFormed() {
        return Stream.of(
                // what, bytes, index of the first bad byte
                Arguments.of("C3 then an ASCII byte, not a continuation", "c328", 0),
                Arguments.of("FF, never in UTF-8", "ff", 0),
                Arguments.of("FE, never in UTF-8", "fe", 0),
                Arguments.of("F5, would be above U+10FFFF", "f5808080", 0),
                Arguments.of("stray continuation byte", "80", 0),
                Arguments.of("stray continuation byte after a complete sequence", "c3a9bf", 2),
                Arguments.of("overlong '/' in two bytes", "c0af", 0),
                Arguments.of("overlong U+007F in two bytes", "c1bf", 0),
                Arguments.of("overlong '/' in three bytes", "e080af", 0),
                Arguments.of("overlong U+07FF in three bytes", "e09fbf", 0),
                Arguments.of("overlong '/' in four bytes", "f08080af", 0),
                Arguments.of("overlong U+FFFF in four bytes", "f08fbfbf", 0),
                Arguments.of("surrogate U+D800", "eda080", 0),
                Arguments.of("surrogate U+DFFF", "edbfbf", 0),
                Arguments.of("surrogate pair encoded as two 3-byte sequences (CESU-8)", "eda0bdedb880", 0),
                Arguments.of("U+110000, above the largest code point", "f4908080", 0),
                Arguments.of("truncated 2-byte sequence at the end", "41c3", 1),
                Arguments.of("truncated 3-byte sequence at the end", "41e282", 1),
                Arguments.of("truncated 4-byte sequence at the end", "41f09f98", 1),
                Arguments.of("truncated 3-byte sequence before ASCII", "e28241", 0),
                Arguments.of("third byte not a continuation", "e282c3a9", 0),
                Arguments.of("fourth byte not a continuation", "f09f9841", 0),
                Arguments.of("after a long run of ASCII", "4142434445464748494a4b4c4d4e4f5051ff", 17),
                Arguments.of("after ASCII and multi-byte sequences", "7b22c3a9223a22f09f9880e0802f", 11));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wellFormed")
    void wellFormedSequencesPass(String what, String hex) {
        byte[] bytes = HexFormat.of().parseHex(hex);

        assertThat(Utf8.firstMalformedByte(bytes)).isEqualTo(-1);
        assertThat(Utf8.isWellFormed(bytes)).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("illFormed")
    void illFormedSequencesAreFoundAtTheirFirstByte(String what, String hex, int index) {
        byte[] bytes = HexFormat.of().parseHex(hex);

        assertThat(Utf8.firstMalformedByte(bytes)).isEqualTo(index);
        assertThat(Utf8.isWellFormed(bytes)).isFalse();
    }

    @Test
    void aBadByteIsFoundWhereverItFallsInTheEightByteWordsOfTheAsciiFastPath() {
        for (int prefix = 0; prefix < 40; prefix++) {
            for (int suffix = 0; suffix < 10; suffix++) {
                byte[] bytes = ("a".repeat(prefix) + "?" + "b".repeat(suffix)).getBytes(UTF_8);
                assertThat(Utf8.isWellFormed(bytes)).isTrue();
                bytes[prefix] = (byte) 0xFF;
                assertThat(Utf8.firstMalformedByte(bytes)).as("prefix %d, suffix %d", prefix, suffix).isEqualTo(prefix);
            }
        }
    }

    @Test
    void everyCodePointEncodedByTheJdkIsWellFormed() {
        for (int codePoint = 0; codePoint <= Character.MAX_CODE_POINT; codePoint++) {
            if (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE) {
                continue;
            }
            byte[] bytes = new String(Character.toChars(codePoint)).getBytes(UTF_8);
            if (!Utf8.isWellFormed(bytes)) {
                throw new AssertionError("U+" + Integer.toHexString(codePoint) + " encoded as " + HexFormat.of().formatHex(bytes));
            }
        }
    }

    @Test
    void agreesWithTheJdksStrictDecoderOnRandomBytes() {
        Random random = new Random(20261128);
        for (int round = 0; round < 100_000; round++) {
            byte[] bytes = randomBytes(random);
            assertThat(Utf8.firstMalformedByte(bytes)).as(HexFormat.of().formatHex(bytes)).isEqualTo(jdkFirstMalformedByte(bytes));
        }
    }

    /** Mostly ASCII, with lead bytes, continuation bytes and the edges of Table 3-7's ranges, so that most rounds decide something. */
    private static byte[] randomBytes(Random random) {
        int[] interesting = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED,
                0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
        byte[] bytes = new byte[random.nextInt(24)];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) switch (random.nextInt(3)) {
                case 0 -> 'a' + random.nextInt(26);
                case 1 -> interesting[random.nextInt(interesting.length)];
                default -> 0x80 + random.nextInt(0x40);
            };
        }
        return bytes;
    }

    /** Where the JDK's UTF-8 decoder, reporting malformed input, stops: the start of the first ill-formed sequence. */
    private static int jdkFirstMalformedByte(byte[] bytes) {
        CharsetDecoder decoder = UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CoderResult result = decoder.decode(in, CharBuffer.allocate(bytes.length * 2 + 2), true);
        return result.isError() ? in.position() : -1;
    }
}

package io.segmentrefiner.segment;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Whether bytes are well-formed UTF-8, exactly as Unicode defines it (The Unicode Standard, section 3.9, Table 3-7):
 * no overlong forms, no surrogates (U+D800..U+DFFF) encoded as if they were characters, nothing above U+10FFFF,
 * no truncated sequences and no stray continuation bytes.
 * <p>
 * JSON is UTF-8 (RFC 8259, section 8.1), yet nothing on the way checks it: Jackson decodes overlong forms and
 * encoded surrogates as if they were characters (and rejects other malformed bytes only inside strings, with
 * messages about tokens), and a decoding {@code Reader} either throws {@code MalformedInputException} or silently
 * replaces what it cannot decode. Checking the bytes first gives every such value one clear outcome.
 * <p>
 * Allocation-free, with a fast path that skips ASCII eight bytes at a time.
 */
public final class Utf8 {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;

    private Utf8() {
    }

    /** Whether every byte belongs to a well-formed UTF-8 sequence. */
    public static boolean isWellFormed(byte[] bytes) {
        return firstMalformedByte(bytes) < 0;
    }

    /**
     * The index (counting from 0) of the byte where the first ill-formed sequence starts: the lead byte of an overlong,
     * surrogate, too large or truncated sequence, or a byte that cannot start a sequence at all; -1 when the bytes
     * are well-formed UTF-8.
     */
    public static int firstMalformedByte(byte[] bytes) {
        int i = 0;
        int end = bytes.length;
        while (i < end) {
            while (i + Long.BYTES <= end && ((long) LONGS.get(bytes, i) & HIGH_BITS) == 0) {
                i += Long.BYTES;
            }
            if (i == end) {
                break;
            }
            int lead = bytes[i] & 0xFF;
            if (lead < 0x80) {
                i++;
                continue;
            }
            // Table 3-7: the length a lead byte announces, and the range its second byte must be in; the third and
            // fourth bytes are always 80..BF.
            int length;
            int low = 0x80;
            int high = 0xBF;
            if (lead < 0xC2) {
                return i;            // 80..BF continuation without a lead; C0, C1 only ever start overlong forms
            } else if (lead < 0xE0) {
                length = 2;
            } else if (lead == 0xE0) {
                length = 3;
                low = 0xA0;          // below: overlong
            } else if (lead == 0xED) {
                length = 3;
                high = 0x9F;         // above: U+D800..U+DFFF, surrogates
            } else if (lead < 0xF0) {
                length = 3;
            } else if (lead == 0xF0) {
                length = 4;
                low = 0x90;          // below: overlong
            } else if (lead < 0xF4) {
                length = 4;
            } else if (lead == 0xF4) {
                length = 4;
                high = 0x8F;         // above: beyond U+10FFFF
            } else {
                return i;            // F5..FF never appear in UTF-8
            }
            if (end - i < length) {
                return i;
            }
            int second = bytes[i + 1] & 0xFF;
            if (second < low || second > high) {
                return i;
            }
            for (int k = 2; k < length; k++) {
                if ((bytes[i + k] & 0xC0) != 0x80) {
                    return i;
                }
            }
            i += length;
        }
        return -1;
    }
}

package io.segmentrefiner.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The lines of a JSON-lines file, or of standard input, as bytes: split on {@code '\n'}, one {@code '\r'} before it
 * dropped, never decoded. A decoding {@code Reader} throws {@code MalformedInputException} on a line that is not
 * UTF-8 (which ended the whole command) or, on standard input, silently replaces it; as bytes, such a line reaches
 * the Segment reader unchanged and becomes one outcome while the rest of the input is still read.
 * <p>
 * A line may be as long as memory allows: the JSON reader sets no limit on a document either, and a hostile line
 * (one huge string) should be refused by it, with a message, not here.
 */
final class JsonLines implements Closeable {

    /** One line, numbered from 1, without its line break. */
    record Line(long number, byte[] bytes) {

        /** Only spaces, tabs and carriage returns, or nothing: such lines are ignored. */
        boolean isBlank() {
            for (byte b : bytes) {
                if (b != ' ' && b != '\t' && b != '\r') {
                    return false;
                }
            }
            return true;
        }
    }

    private static final int BUFFER_SIZE = 64 * 1024;
    // The largest array a JVM reliably allocates.
    private static final int MAX_LINE = Integer.MAX_VALUE - 8;

    private final InputStream in;
    private final boolean owned;
    private final byte[] buffer;
    private int position;
    private int limit;
    // The start of a line that runs past the end of the buffer.
    private byte[] pending = new byte[0];
    private int pendingLength;
    private long number;

    JsonLines(InputStream in, boolean owned, int bufferSize) {
        this.in = in;
        this.owned = owned;
        this.buffer = new byte[bufferSize];
    }

    /** The lines of {@code file}, or of standard input when it is null (which is then left open). */
    static JsonLines open(Path file) throws IOException {
        return file == null
                ? new JsonLines(System.in, false, BUFFER_SIZE)
                : new JsonLines(Files.newInputStream(file), true, BUFFER_SIZE);
    }

    /** The next line, or null at the end of the input. A last line without a line break is a line too. */
    Line next() throws IOException {
        while (true) {
            if (position == limit) {
                int read = in.read(buffer, 0, buffer.length);
                if (read < 0) {
                    return pendingLength == 0 ? null : line(position, position);
                }
                position = 0;
                limit = read;
            }
            int newline = indexOfNewline(position, limit);
            if (newline >= 0) {
                int start = position;
                position = newline + 1;
                return line(start, newline);
            }
            keep(position, limit);
            position = limit;
        }
    }

    private int indexOfNewline(int from, int to) {
        for (int i = from; i < to; i++) {
            if (buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The pending start of a line followed by {@code buffer[from, to)}, less one trailing {@code '\r'}. */
    private Line line(int from, int to) {
        int length = pendingLength + (to - from);
        byte last = to > from ? buffer[to - 1] : pendingLength > 0 ? pending[pendingLength - 1] : 0;
        if (last == '\r') {
            length--;
        }
        byte[] bytes = Arrays.copyOf(pending, length);
        if (length > pendingLength) {
            System.arraycopy(buffer, from, bytes, pendingLength, length - pendingLength);
        }
        pendingLength = 0;
        return new Line(++number, bytes);
    }

    private void keep(int from, int to) {
        int needed = pendingLength + (to - from);
        if (needed < 0 || needed > MAX_LINE) {
            throw new OutOfMemoryError("line " + (number + 1) + " is longer than " + MAX_LINE + " bytes");
        }
        if (needed > pending.length) {
            pending = Arrays.copyOf(pending, (int) Math.min(MAX_LINE, Math.max(needed, 2L * pending.length)));
        }
        System.arraycopy(buffer, from, pending, pendingLength, to - from);
        pendingLength = needed;
    }

    @Override
    public void close() throws IOException {
        if (owned) {
            in.close();
        }
    }
}

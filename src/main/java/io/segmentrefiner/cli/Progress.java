package io.segmentrefiner.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a long command on standard error: on a terminal a bar redrawn in place with the rate, otherwise a
 * plain line every few seconds, so that logs of a non-interactive run stay readable.
 */
final class Progress {

    private static final long REDRAW_NANOS = 200_000_000L;
    private static final long LINE_NANOS = 5_000_000_000L;

    private final PrintWriter err;
    private final String verb;
    private final long total;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private long lastShown = started;

    /**
     * @param verb  what is counted, such as {@code sent}
     * @param total how many there will be, or -1 when unknown
     */
    Progress(PrintWriter err, String verb, long total) {
        this(err, verb, total, System.console() != null);
    }

    Progress(PrintWriter err, String verb, long total, boolean terminal) {
        this.err = err;
        this.verb = verb;
        this.total = total;
        this.terminal = terminal;
    }

    /** Shows {@code done} when it is time to; cheap to call for every record. */
    void update(long done) {
        long now = System.nanoTime();
        if (now - lastShown < (terminal ? REDRAW_NANOS : LINE_NANOS)) {
            return;
        }
        lastShown = now;
        show(done, now);
    }

    /** Shows the last count and ends the line. */
    void finish(long done) {
        show(done, System.nanoTime());
        if (terminal) {
            err.println();
        }
        err.flush();
    }

    private void show(long done, long now) {
        double seconds = Math.max((now - started) / 1e9, 1e-9);
        String rate = String.format(Locale.ROOT, "%,.0f/s", done / seconds);
        if (!terminal) {
            err.printf(Locale.ROOT, "%,d %s in %.0f s (%s)%n", done, verb, seconds, rate);
            err.flush();
            return;
        }
        String counts = total >= 0 ? String.format(Locale.ROOT, "%,d/%,d", done, total) : String.format(Locale.ROOT, "%,d", done);
        String bar = "";
        if (total > 0) {
            int width = 30;
            int filled = (int) Math.min(width, done * width / total);
            bar = "[" + "#".repeat(filled) + " ".repeat(width - filled) + "] ";
        }
        err.print("\r" + bar + counts + " " + verb + "  " + rate + "   ");
        err.flush();
    }

    double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }
}

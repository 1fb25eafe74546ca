package io.segmentrefiner.segment;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * Reads Segment's timestamps, ISO-8601 date-times with an offset, as {@link OffsetDateTime#parse} does, but without
 * {@code DateTimeFormatter}, which took 7% of translation's stream thread on the benchmark (docs/benchmarks.md). The shape every Segment library writes, {@code 2026-12-05T11:50:00.123Z} or with
 * {@code +01:00}, is read by hand; anything else (lower-case letters, no seconds, a year past 9999, offsets with
 * seconds) goes to {@code OffsetDateTime.parse}, so both accept and refuse the same texts.
 */
public final class IsoTimestamps {

    private IsoTimestamps() {
    }

    /** The instant of an ISO-8601 date-time with an offset; empty when it is not one. */
    public static Optional<Instant> parse(String text) {
        try {
            Instant common = commonShape(text);
            return Optional.of(common != null ? common : OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeException notIso) {
            return Optional.empty();
        }
    }

    /** {@code uuuu-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:mm)}, or null when the text has another shape. */
    private static Instant commonShape(String text) {
        int length = text.length();
        if (length < 20 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
                || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
            return null;
        }
        int at = 19;
        int nanos = 0;
        if (text.charAt(at) == '.') {
            int start = ++at;
            while (at < length && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
                nanos = nanos * 10 + (text.charAt(at++) - '0');
            }
            int count = at - start;
            if (count == 0 || count > 9) {
                return null;
            }
            for (int i = count; i < 9; i++) {
                nanos *= 10;
            }
        }
        ZoneOffset offset = offset(text, at);
        if (offset == null) {
            return null;
        }
        // LocalDateTime.of refuses what the formatter refuses: February 30, hour 24, second 60.
        return LocalDateTime.of(year, month, day, hour, minute, second, nanos).toInstant(offset);
    }

    private static ZoneOffset offset(String text, int at) {
        int left = text.length() - at;
        if (left == 1 && text.charAt(at) == 'Z') {
            return ZoneOffset.UTC;
        }
        char sign = left == 6 ? text.charAt(at) : 0;
        if ((sign != '+' && sign != '-') || text.charAt(at + 3) != ':') {
            return null;
        }
        int hours = digits(text, at + 1, 2);
        int minutes = digits(text, at + 4, 2);
        if (hours < 0 || minutes < 0) {
            return null;
        }
        // ZoneOffset refuses what the formatter refuses: beyond ±18:00, minutes past 59.
        return sign == '+' ? ZoneOffset.ofHoursMinutes(hours, minutes) : ZoneOffset.ofHoursMinutes(-hours, -minutes);
    }

    /** The number written by {@code count} ASCII digits at {@code at}, or -1. */
    private static int digits(String text, int at, int count) {
        int value = 0;
        for (int i = at; i < at + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}

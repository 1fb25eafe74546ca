package io.segmentrefiner.health;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Counters' increase per minute over the last {@code minutes}, from their totals sampled every few seconds: each
 * sample adds what each counter gained since the one before to the minute it was taken in. A total lower than the
 * one before is a counter that started again, and counts from zero.
 */
final class MinuteHistory {

    /** The minutes, oldest first, ending with the current (partial) one; each series has a count per minute. */
    record Window(List<Instant> minutes, Map<String, long[]> series) {
    }

    private final int minutes;
    private final TreeMap<Long, Map<String, Double>> gainedByMinute = new TreeMap<>();
    private final TreeSet<String> names = new TreeSet<>();
    private Map<String, Double> previous = Map.of();

    MinuteHistory(int minutes) {
        this.minutes = minutes;
    }

    synchronized void record(Instant at, Map<String, Double> totals) {
        long minute = Math.floorDiv(at.getEpochSecond(), 60);
        Map<String, Double> gained = gainedByMinute.computeIfAbsent(minute, m -> new HashMap<>());
        totals.forEach((name, total) -> {
            names.add(name);
            double before = previous.getOrDefault(name, 0.0);
            double increase = total < before ? total : total - before;
            if (increase > 0) {
                gained.merge(name, increase, Double::sum);
            }
        });
        previous = Map.copyOf(totals);
        gainedByMinute.headMap(minute - minutes + 1).clear();
    }

    synchronized Window window(Instant now) {
        long current = Math.floorDiv(now.getEpochSecond(), 60);
        List<Instant> starts = new ArrayList<>(minutes);
        Map<String, long[]> series = new LinkedHashMap<>();
        names.forEach(name -> series.put(name, new long[minutes]));
        for (int i = 0; i < minutes; i++) {
            long minute = current - minutes + 1 + i;
            starts.add(Instant.ofEpochSecond(minute * 60));
            Map<String, Double> gained = gainedByMinute.get(minute);
            if (gained != null) {
                int at = i;
                gained.forEach((name, increase) -> series.get(name)[at] = Math.round(increase));
            }
        }
        return new Window(starts, series);
    }
}

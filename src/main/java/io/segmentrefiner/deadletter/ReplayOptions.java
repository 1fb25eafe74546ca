package io.segmentrefiner.deadletter;

import org.apache.kafka.common.header.Headers;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a replay is asked to do, and what it does with each dead letter: replay it, skip it (not matched by the
 * filter), or leave it alone with a reason to report.
 *
 * @param deadLetterTopic where the dead letters are
 * @param maxReplays      a dead letter replayed this many times already is left alone
 * @param fromOffsets     partition to offset where reading starts instead of the checkpoint's position
 * @param dryRun          count what would be replayed, send and commit nothing
 */
public record ReplayOptions(String deadLetterTopic, ReplayFilter filter, int maxReplays, Map<Integer, Long> fromOffsets, boolean dryRun) {
    public ReplayOptions {
        if (maxReplays < 1) {
            throw new IllegalArgumentException("--max-replays: must be at least 1, not " + maxReplays);
        }
        fromOffsets = Map.copyOf(fromOffsets);
    }

    /** What to do with a dead letter, judged by its headers and timestamp alone. */
    public Decision decide(Headers headers, Instant timestamp) {
        if (!filter.matches(headers, timestamp)) {
            return new Decision(Action.SKIPPED_BY_FILTER, "not matched by the filter");
        }
        int replays = ReplayHeaders.replays(headers);
        if (replays >= maxReplays) {
            return new Decision(Action.LEFT_ALONE, replays == Integer.MAX_VALUE
                    ? "its " + ReplayHeaders.COUNT + " header is not a count"
                    : "replayed " + replays + " times already (--max-replays " + maxReplays + ")");
        }
        Optional<String> origin = TextHeaders.read(headers, DeadLetterHeaders.ORIGIN_TOPIC);
        if (origin.isEmpty() || origin.get().isBlank()) {
            return new Decision(Action.LEFT_ALONE, "it has no " + DeadLetterHeaders.ORIGIN_TOPIC + " header");
        }
        if (origin.get().equals(deadLetterTopic)) {
            return new Decision(Action.LEFT_ALONE, "its origin is the dead-letter topic itself");
        }
        return new Decision(Action.REPLAY, "to " + origin.get());
    }

    /**
     * Offsets written {@code partition:offset,partition:offset}, such as {@code 0:120,1:98}.
     *
     * @throws IllegalArgumentException naming {@code --from-offsets}
     */
    public static Map<Integer, Long> parseOffsets(String text) {
        Map<Integer, Long> offsets = new TreeMap<>();
        for (String pair : text.split(",")) {
            String[] parts = pair.trim().split(":");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                int partition = Integer.parseInt(parts[0].trim());
                long offset = Long.parseLong(parts[1].trim());
                if (partition < 0 || offset < 0) {
                    throw new NumberFormatException();
                }
                if (offsets.put(partition, offset) != null) {
                    throw new IllegalArgumentException("--from-offsets: partition " + partition + " is given twice");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--from-offsets: '" + pair.trim() + "' is not partition:offset "
                        + "(expected such as 0:120,1:98)");
            }
        }
        return offsets;
    }

    public enum Action { REPLAY, SKIPPED_BY_FILTER, LEFT_ALONE }

    /** @param why for a dead letter left alone, the reason to report */
    public record Decision(Action action, String why) {
    }
}

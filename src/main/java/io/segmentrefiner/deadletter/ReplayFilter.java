package io.segmentrefiner.deadletter;

import io.segmentrefiner.config.Durations;
import io.segmentrefiner.refiner.Reason;
import org.apache.kafka.common.header.Headers;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which dead letters a replay sends back. Every criterion that is given must hold; an empty one holds for all.
 *
 * @param stage    the stage that dead-lettered
 * @param reasons  a dead letter matches any of them
 * @param statuses HTTP statuses ({@code 503}) or classes ({@code 5xx}); a dead letter without a status matches none
 * @param since    the earliest record timestamp, inclusive
 * @param until    the latest record timestamp, exclusive
 */
public record ReplayFilter(Optional<Reason.Stage> stage, Set<Reason> reasons, Set<String> statuses, Optional<Instant> since,
                           Optional<Instant> until) {

    public static final ReplayFilter EVERYTHING = new ReplayFilter(Optional.empty(), Set.of(), Set.of(), Optional.empty(), Optional.empty());

    private static final Pattern STATUS = Pattern.compile("[1-5](xx|\\d\\d)");

    public ReplayFilter {
        reasons = Set.copyOf(reasons);
        statuses = Set.copyOf(statuses);
    }

    /**
     * The filter of the command line's flags, each of them optional (null or empty when not given).
     *
     * @param now what a duration such as {@code 2h} is counted back from
     * @throws IllegalArgumentException naming the flag whose value is wrong
     */
    public static ReplayFilter parse(String stage, List<String> reasons, List<String> statuses, String since, String until, Instant now) {
        Optional<Reason.Stage> stageFilter = Optional.ofNullable(stage).map(code -> Reason.Stage.parse(code)
                .orElseThrow(() -> new IllegalArgumentException("--stage: '" + code + "' is neither translate nor deliver")));
        Set<Reason> reasonCodes = new LinkedHashSet<>();
        for (String code : reasons == null ? List.<String>of() : reasons) {
            Reason reason = Reason.parse(code).orElseThrow(() -> new IllegalArgumentException("--reason: '" + code
                    + "' is not a reason code; a dead letter's reason is one of " + Reason.ofDeadLetters()));
            if (!reason.deadLettered()) {
                throw new IllegalArgumentException("--reason: " + reason + " is a skip (counted, never dead-lettered); a dead letter's "
                        + "reason is one of " + Reason.ofDeadLetters());
            }
            reasonCodes.add(reason);
        }
        Set<String> statusPatterns = new LinkedHashSet<>();
        for (String status : statuses == null ? List.<String>of() : statuses) {
            String pattern = status.trim().toLowerCase(Locale.ROOT);
            if (!STATUS.matcher(pattern).matches() && !pattern.equals("0")) {
                throw new IllegalArgumentException("--status: '" + status + "' is neither an HTTP status (such as 429 or 503, "
                        + "or 0 for no response) nor a class (4xx, 5xx)");
            }
            statusPatterns.add(pattern);
        }
        Optional<Instant> from = Optional.ofNullable(since).map(text -> time("--since", text, now));
        Optional<Instant> to = Optional.ofNullable(until).map(text -> time("--until", text, now));
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw new IllegalArgumentException("--since " + since + " (" + from.get() + ") is not before --until " + until
                    + " (" + to.get() + "): no dead letter could match");
        }
        return new ReplayFilter(stageFilter, reasonCodes, statusPatterns, from, to);
    }

    /** An ISO-8601 instant ({@code 2026-11-28T10:00:00Z}), or a duration ago ({@code 30m}, {@code 2h}, {@code 1d}, {@code PT2H}). */
    static Instant time(String flag, String text, Instant now) {
        String trimmed = text.trim();
        try {
            Optional<Duration> ago = Durations.parse(trimmed);
            return ago.isPresent() ? now.minus(ago.get()) : Instant.parse(trimmed);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException(flag + ": '" + text + "' is neither an instant (such as 2026-11-28T10:00:00Z) "
                    + "nor a duration ago (such as 30m, 2h or 1d)");
        }
    }

    /** Whether the dead letter with these headers and this record timestamp is one to replay. */
    public boolean matches(Headers headers, Instant timestamp) {
        if (stage.isPresent() && !stage.equals(TextHeaders.read(headers, DeadLetterHeaders.STAGE).flatMap(Reason.Stage::parse))) {
            return false;
        }
        // A reason this version does not know (written by another tool) matches no --reason.
        if (!reasons.isEmpty() && !TextHeaders.read(headers, DeadLetterHeaders.REASON).flatMap(Reason::parse).filter(reasons::contains).isPresent()) {
            return false;
        }
        if (!statuses.isEmpty()) {
            Optional<String> status = TextHeaders.read(headers, DeadLetterHeaders.HTTP_STATUS).map(String::trim);
            if (status.isEmpty() || statuses.stream().noneMatch(pattern -> statusMatches(pattern, status.get()))) {
                return false;
            }
        }
        return since.map(from -> !timestamp.isBefore(from)).orElse(true)
                && until.map(timestamp::isBefore).orElse(true);
    }

    private static boolean statusMatches(String pattern, String status) {
        if (pattern.endsWith("xx")) {
            return status.length() == 3 && status.charAt(0) == pattern.charAt(0) && Character.isDigit(status.charAt(1))
                    && Character.isDigit(status.charAt(2));
        }
        return pattern.equals(status);
    }
}

package io.segmentrefiner.delivery;

import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.refiner.Reason;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What went wrong in delivery since the start, per kind: answers that hold a request back (401/403, 429, 5xx, no
 * answer) and the reasons of delivery's dead letters, each with how often, when last, and the last one as a sample:
 * the request as sent (method, path, the start of the body; the API key travels in a header and is never kept) and
 * what Refiner answered. For the status page; a few map updates per failure, nothing per delivered request.
 */
public final class DeliveryFailures {

    /** Answers that delay a request without giving it up. */
    public enum Answer {
        /** 401 or 403: delivery pauses until a probe is accepted. */
        UNAUTHORIZED,
        /** 429: delivery slows down to the rate Refiner allows. */
        THROTTLED,
        /** 5xx or 408: the request is tried again later. */
        SERVER_ERROR,
        /** A timeout, a refused or dropped connection: the request is tried again later. */
        NO_RESPONSE
    }

    /** The request's body and Refiner's answer are cut to these many characters. */
    static final int REQUEST_BODY_CHARS = 2_000;
    static final int ANSWER_BODY_CHARS = 500;

    /**
     * The last failure of a kind.
     *
     * @param method, path, body the request as sent; empty when the request could not be read
     * @param status  Refiner's HTTP status, or 0 when no answer came
     * @param answer  the start of Refiner's answer
     * @param failure why there was no answer, or the dead letter's message
     */
    public record Sample(String method, String path, String body, int status, String answer, String failure) {
    }

    /** @param code an {@link Answer} or a delivery {@link Reason} */
    public record Failure(String code, boolean deadLettered, long count, Instant last, Sample sample) {
    }

    private final Clock clock;
    private final Map<String, Failure> byCode = new ConcurrentHashMap<>();

    public DeliveryFailures(Clock clock) {
        this.clock = clock;
    }

    /** An answer that is not a delivery; a permanent refusal is recorded by its dead letter instead. */
    void answered(RefinerRequestRecord request, ApiResponse response, Verdict verdict) {
        answerOf(response, verdict).ifPresent(answer -> record(answer.name(), false,
                sampleOf(request, response.status(), response.body(), response.failure().orElse(""))));
    }

    void deadLettered(Reason reason, RefinerRequestRecord request, Optional<Integer> status, String answer, String message) {
        record(reason.name(), true, sampleOf(request, status.orElse(0), answer, message));
    }

    /** Every kind that happened, the most recent first. */
    public List<Failure> failures() {
        List<Failure> failures = new ArrayList<>(byCode.values());
        failures.sort(Comparator.comparing(Failure::last).reversed());
        return failures;
    }

    private void record(String code, boolean deadLettered, Sample sample) {
        Instant now = clock.instant();
        byCode.merge(code, new Failure(code, deadLettered, 1, now, sample),
                (before, latest) -> new Failure(code, deadLettered, before.count() + 1, now, sample));
    }

    private static Optional<Answer> answerOf(ApiResponse response, Verdict verdict) {
        if (verdict instanceof Verdict.Unauthorized) {
            return Optional.of(Answer.UNAUTHORIZED);
        }
        if (verdict instanceof Verdict.Retry retry) {
            return Optional.of(retry.throttled() ? Answer.THROTTLED : response.status() == 0 ? Answer.NO_RESPONSE : Answer.SERVER_ERROR);
        }
        return Optional.empty();
    }

    private static Sample sampleOf(RefinerRequestRecord request, int status, String answer, String failure) {
        if (request == null) {
            return new Sample("", "", "", status, cut(answer, ANSWER_BODY_CHARS), failure);
        }
        return new Sample(request.getMethod(), request.getPath(), cut(request.getBody(), REQUEST_BODY_CHARS), status,
                cut(answer, ANSWER_BODY_CHARS), failure);
    }

    private static String cut(String text, int chars) {
        if (text == null) {
            return "";
        }
        return text.length() <= chars ? text : text.substring(0, chars) + "…";
    }
}

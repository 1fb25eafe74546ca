package io.segmentrefiner.delivery;

import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.harness.ManualClock;
import io.segmentrefiner.harness.RequestRecords;
import io.segmentrefiner.refiner.Reason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What the status page shows of delivery's failures: per kind, how often, when last, and the last as a sample. */
class DeliveryFailuresTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-05T10:00:00Z"));
    private final DeliveryFailures failures = new DeliveryFailures(clock);
    private final RefinerRequestRecord request = RequestRecords.track("m-1", "u-1", "Survey Shown");

    private void answered(int status, String body) {
        ApiResponse response = ApiResponse.of(status, Optional.empty(), body);
        failures.answered(request, response, Verdict.of(request.getMethod(), response));
    }

    @Test
    void answersThatHoldARequestBackAreKindsOfTheirOwnAndDeliveriesAreNot() {
        answered(200, "{}");
        answered(400, "{\"message\":\"bad\"}"); // recorded by its dead letter instead
        answered(503, "down");
        clock.advance(Duration.ofSeconds(5));
        answered(500, "still down");
        answered(429, "slow down");
        answered(401, "{\"message\":\"Invalid API key\"}");
        failures.answered(request, ApiResponse.noResponse("java.net.ConnectException: Connection refused"),
                Verdict.of("POST", ApiResponse.noResponse("refused")));

        assertThat(failures.failures()).extracting(DeliveryFailures.Failure::code)
                .containsExactlyInAnyOrder("SERVER_ERROR", "THROTTLED", "UNAUTHORIZED", "NO_RESPONSE");
        DeliveryFailures.Failure serverErrors = find("SERVER_ERROR");
        assertThat(serverErrors.count()).isEqualTo(2);
        assertThat(serverErrors.last()).isEqualTo(Instant.parse("2026-12-05T10:00:05Z"));
        assertThat(serverErrors.deadLettered()).isFalse();
        assertThat(serverErrors.sample()).isEqualTo(new DeliveryFailures.Sample("POST", "/v1/track-event",
                "{\"id\":\"u-1\",\"event\":\"Survey Shown\"}", 500, "still down", ""));
        assertThat(find("NO_RESPONSE").sample().failure()).contains("Connection refused");
    }

    @Test
    void deadLettersCarryTheirReasonAndTheLastAnswer() {
        failures.deadLettered(Reason.HTTP_4XX, request, Optional.of(422), "{\"message\":\"unknown attribute\"}", "Refiner refused the request: HTTP 422");
        failures.deadLettered(Reason.UNREADABLE_REQUEST, null, Optional.empty(), "", "not Avro");

        DeliveryFailures.Failure refused = find("HTTP_4XX");
        assertThat(refused.deadLettered()).isTrue();
        assertThat(refused.sample().status()).isEqualTo(422);
        assertThat(refused.sample().answer()).isEqualTo("{\"message\":\"unknown attribute\"}");
        assertThat(find("UNREADABLE_REQUEST").sample()).isEqualTo(new DeliveryFailures.Sample("", "", "", 0, "", "not Avro"));
    }

    @Test
    void samplesAreCutSoThatAHugeBodyDoesNotFillThePage() {
        String huge = "x".repeat(100_000);
        RefinerRequestRecord big = RefinerRequestRecord.newBuilder(request).setBody(huge).build();
        ApiResponse response = ApiResponse.of(503, Optional.empty(), huge);
        failures.answered(big, response, Verdict.of("POST", response));

        DeliveryFailures.Sample sample = find("SERVER_ERROR").sample();
        assertThat(sample.body()).hasSize(DeliveryFailures.REQUEST_BODY_CHARS + 1).endsWith("…");
        assertThat(sample.answer()).hasSize(DeliveryFailures.ANSWER_BODY_CHARS + 1);
    }

    @Test
    void theMostRecentKindComesFirst() {
        answered(503, "a");
        clock.advance(Duration.ofSeconds(1));
        answered(429, "b");
        clock.advance(Duration.ofSeconds(1));
        answered(503, "c");

        assertThat(failures.failures()).extracting(DeliveryFailures.Failure::code).containsExactly("SERVER_ERROR", "THROTTLED");
    }

    private DeliveryFailures.Failure find(String code) {
        return failures.failures().stream().filter(failure -> failure.code().equals(code)).findFirst().orElseThrow();
    }
}

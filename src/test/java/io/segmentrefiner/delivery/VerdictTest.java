package io.segmentrefiner.delivery;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class VerdictTest {

    private static Verdict of(int status) {
        return Verdict.of("POST", ApiResponse.of(status, Optional.of(Duration.ofSeconds(3)), ""));
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 202, 204})
    void twoHundredsAreDelivered(int status) {
        assertThat(of(status)).isInstanceOf(Verdict.Delivered.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 429, 500, 502, 503, 504})
    void timeoutsThrottlingAndServerErrorsAreRetried(int status) {
        assertThat(of(status)).isInstanceOf(Verdict.Retry.class);
    }

    @Test
    void noResponseIsRetried() {
        assertThat(Verdict.of("POST", ApiResponse.noResponse("Connection reset"))).isInstanceOf(Verdict.Retry.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void authenticationFailuresAreNotTheRequestsFault(int status) {
        assertThat(of(status)).isInstanceOf(Verdict.Unauthorized.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 404, 409, 413, 422})
    void otherClientErrorsArePermanent(int status) {
        assertThat(of(status)).isInstanceOf(Verdict.Permanent.class);
    }

    @Test
    void aDeleteAnswered404FoundTheContactGoneAndIsDelivered() {
        assertThat(Verdict.of("DELETE", ApiResponse.of(404, Optional.empty(), "{\"message\":\"Contact not found\"}")))
                .isInstanceOf(Verdict.Delivered.class);
        assertThat(Verdict.of("DELETE", ApiResponse.of(400, Optional.empty(), ""))).isInstanceOf(Verdict.Permanent.class);
        assertThat(Verdict.of("DELETE", ApiResponse.of(500, Optional.empty(), ""))).isInstanceOf(Verdict.Retry.class);
    }

    @Test
    void retryAfterCountsOnlyOn429And503() {
        assertThat(of(429)).isEqualTo(new Verdict.Retry(Optional.of(Duration.ofSeconds(3)), true));
        assertThat(of(503)).isEqualTo(new Verdict.Retry(Optional.of(Duration.ofSeconds(3)), false));
        assertThat(of(500)).isEqualTo(new Verdict.Retry(Optional.empty(), false));
    }
}

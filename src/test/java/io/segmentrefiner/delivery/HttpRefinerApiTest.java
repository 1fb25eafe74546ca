package io.segmentrefiner.delivery;

import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RefinerStub.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP client against a real server on loopback. */
class HttpRefinerApiTest {

    private RefinerStub stub;
    private HttpRefinerApi api;

    @BeforeEach
    void start() {
        stub = RefinerStub.start();
        api = new HttpRefinerApi(stub.url() + "/", "rk_test_secret", 4, Duration.ofMillis(500), "segment-refiner/1.2.3");
    }

    @AfterEach
    void stop() {
        api.close();
        stub.close();
    }

    private ApiResponse send(String path, String body) throws Exception {
        return api.send(new ApiCall("POST", path, body, Optional.of("msg-1"))).get(10, TimeUnit.SECONDS);
    }

    @Test
    void sendsThePostWithTheHeadersAndBodyRefinerExpects() throws Exception {
        ApiResponse response = send("/v1/identify-user", "{\"id\":\"u-1\",\"plan\":\"pro\"}");

        assertThat(response.status()).isEqualTo(200);
        RefinerStub.Received request = stub.received().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/identify-user");
        assertThat(request.body()).isEqualTo("{\"id\":\"u-1\",\"plan\":\"pro\"}");
        assertThat(request.header("Authorization")).contains("Bearer rk_test_secret");
        assertThat(request.header("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(request.header("User-Agent")).contains("segment-refiner/1.2.3");
        assertThat(request.header("Idempotency-Key")).contains("msg-1");
    }

    @Test
    void completesItsAnswerOnAnHttpClientIoThread() throws Exception {
        // The reason delivery hands every answer to a thread of its own: what runs on completion runs here, and
        // an I/O thread that waits (for a lock, a send) holds up every connection it serves.
        stub.answer(request -> Answer.ok().after(Duration.ofMillis(200)));
        CompletableFuture<String> completedOn = new CompletableFuture<>();

        api.send(new ApiCall("POST", "/v1/track-event", "{}", Optional.empty()))
                .whenComplete((response, error) -> completedOn.complete(Thread.currentThread().getName()));

        assertThat(completedOn.get(10, TimeUnit.SECONDS)).startsWith("httpclient-dispatch-");
    }

    @Test
    void keepsAPathUnderTheBaseUrl() throws Exception {
        api.close();
        api = new HttpRefinerApi(stub.url() + "/refiner", "k", 4, Duration.ofSeconds(5), "ua");

        send("/v1/track-event", "{}");

        assertThat(stub.received().get(0).path()).isEqualTo("/refiner/v1/track-event");
    }

    @Test
    void reportsStatusRetryAfterAndTheStartOfTheBody() throws Exception {
        stub.answer(request -> Answer.status(429).withRetryAfter("7").withBody("x".repeat(5_000)));

        ApiResponse response = send("/v1/track-event", "{}");

        assertThat(response.status()).isEqualTo(429);
        assertThat(response.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(response.body()).hasSize(HttpRefinerApi.BODY_LIMIT + 3).endsWith("...");
    }

    @Test
    void aDroppedConnectionIsNoResponse() throws Exception {
        stub.answer(request -> Answer.dropConnection());

        ApiResponse response = send("/v1/track-event", "{}");

        assertThat(response.status()).isZero();
        assertThat(response.failure()).isPresent();
        assertThat(stub.received()).as("HttpClient's own retries are off").hasSize(1);
    }

    @Test
    void aSlowAnswerTimesOutAsNoResponse() throws Exception {
        stub.answer(request -> Answer.ok().after(Duration.ofSeconds(2)));

        ApiResponse response = send("/v1/track-event", "{}");

        assertThat(response.status()).isZero();
        assertThat(response.failure()).hasValueSatisfying(failure -> assertThat(failure).doesNotContain("rk_test_secret"));
    }

    @Test
    void retryAfterAsAnHttpDate() {
        var header = new org.apache.hc.core5.http.message.BasicHeader("Retry-After",
                java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(30)));

        assertThat(HttpRefinerApi.retryAfter(header)).hasValueSatisfying(wait ->
                assertThat(wait).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(31)));
        assertThat(HttpRefinerApi.retryAfter(new org.apache.hc.core5.http.message.BasicHeader("Retry-After", "soon"))).isEmpty();
    }

    @Test
    void aRetryAfterTooLongToRepresentIsADayAtMost() {
        for (String value : new String[]{"86401", "9223372036854775807", "99999999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"}) {
            assertThat(HttpRefinerApi.retryAfter(new org.apache.hc.core5.http.message.BasicHeader("Retry-After", value)))
                    .as(value).contains(HttpRefinerApi.LONGEST_RETRY_AFTER);
        }
        assertThat(HttpRefinerApi.retryAfter(new org.apache.hc.core5.http.message.BasicHeader("Retry-After", "120"))).contains(Duration.ofMinutes(2));
        assertThat(HttpRefinerApi.retryAfter(new org.apache.hc.core5.http.message.BasicHeader("Retry-After", "-5"))).isEmpty();
    }
}

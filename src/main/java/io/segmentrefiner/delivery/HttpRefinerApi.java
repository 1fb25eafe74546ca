package io.segmentrefiner.delivery;

import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;

import java.net.URI;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Refiner's API on Apache HttpClient 5's async client: one pooled connection per request in flight, HttpClient's
 * own retries off (the delivery decides), {@code Authorization: Bearer <key>}. The key is held here and nowhere
 * else, and is in no message this class makes.
 *
 * <p>{@link #send} only queues the request and returns at once. The future it returns is completed on one of
 * HttpClient's I/O reactor threads ({@code httpclient-dispatch-*}), which also serve every other connection: what
 * runs on completion must not block, nor wait for a lock, so the {@link DeliveryEngine} only hands the answer to a
 * thread of its own there. A request that fails before it is sent may complete on the caller's thread.
 */
public final class HttpRefinerApi implements RefinerApi {

    /**
     * Response bodies are cut to this many characters before they reach a dead letter or a log: enough for any
     * error message an API writes, and a dead letter's headers stay far below the broker's record size.
     */
    public static final int BODY_LIMIT = 2_000;

    /** The longest {@code Retry-After} taken as given: far past any retry window, so "much later" either way. */
    static final Duration LONGEST_RETRY_AFTER = Duration.ofDays(1);

    // A connection to a reachable server takes milliseconds even across regions; one not made in 10 s is a server or
    // network that is down, and the attempt is better retried later than waited for.
    private static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(10);
    // More digits than this are more than 31 years of seconds: past LONGEST_RETRY_AFTER, and not parsed at all, so
    // that a value of thirty digits cannot overflow a long.
    private static final int LONGEST_SECONDS_DIGITS = 9;

    private final URI baseUri;
    private final String authorization;
    private final CloseableHttpAsyncClient http;

    public HttpRefinerApi(String baseUrl, String apiKey, int maxInFlight, Duration timeout, String userAgent) {
        this.baseUri = URI.create(baseUrl.replaceAll("/+$", ""));
        this.authorization = "Bearer " + apiKey;
        Timeout limit = Timeout.of(timeout);
        this.http = HttpAsyncClients.custom()
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(maxInFlight)
                        .setMaxConnPerRoute(maxInFlight)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(CONNECT_TIMEOUT)
                                .setSocketTimeout(limit)
                                .build())
                        .build())
                .setIOReactorConfig(IOReactorConfig.custom().setSoTimeout(limit).build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(limit)
                        .setConnectionRequestTimeout(limit)
                        .build())
                .setUserAgent(userAgent)
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .build();
        http.start();
    }

    @Override
    public CompletableFuture<ApiResponse> send(ApiCall call) {
        SimpleHttpRequest request = SimpleRequestBuilder.create(call.method())
                .setUri(baseUri.resolve(baseUri.getPath() + call.path()))
                .setHeader(HttpHeaders.AUTHORIZATION, authorization)
                .setBody(call.body(), ContentType.APPLICATION_JSON)
                .build();
        call.idempotencyKey().ifPresent(key -> request.setHeader("Idempotency-Key", key));
        CompletableFuture<ApiResponse> answer = new CompletableFuture<>();
        http.execute(request, new FutureCallback<>() {
            @Override
            public void completed(SimpleHttpResponse response) {
                String body = Objects.requireNonNullElse(response.getBodyText(), "");
                answer.complete(ApiResponse.of(response.getCode(), retryAfter(response.getFirstHeader(HttpHeaders.RETRY_AFTER)),
                        body.length() > BODY_LIMIT ? body.substring(0, BODY_LIMIT) + "..." : body));
            }

            @Override
            public void failed(Exception exception) {
                answer.complete(ApiResponse.noResponse(exception.getClass().getSimpleName() + ": " + exception.getMessage()));
            }

            @Override
            public void cancelled() {
                answer.complete(ApiResponse.noResponse("cancelled"));
            }
        });
        return answer;
    }

    /**
     * {@code Retry-After} as seconds or as an HTTP date, at most {@link #LONGEST_RETRY_AFTER}: a server's value
     * years ahead means "much later", and past the retry window either way.
     */
    static Optional<Duration> retryAfter(Header header) {
        if (header == null || header.getValue() == null) {
            return Optional.empty();
        }
        String value = header.getValue().trim();
        Duration wait;
        if (value.matches("[0-9]{1,30}")) { // delay-seconds; a longer run of digits is no value a server meant
            wait = value.length() > LONGEST_SECONDS_DIGITS ? LONGEST_RETRY_AFTER : Duration.ofSeconds(Long.parseLong(value));
        } else {
            try {
                wait = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (DateTimeParseException notDate) {
                return Optional.empty();
            }
        }
        return Optional.of(wait.isNegative() ? Duration.ZERO : wait.compareTo(LONGEST_RETRY_AFTER) > 0 ? LONGEST_RETRY_AFTER : wait);
    }

    @Override
    public void close() {
        http.close(CloseMode.GRACEFUL);
    }
}

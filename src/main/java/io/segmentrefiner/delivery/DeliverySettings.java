package io.segmentrefiner.delivery;

import java.time.Duration;

/**
 * @param maxInFlight    {@code delivery.max.in.flight}: requests in flight at once, and HTTP connections
 * @param ratePerSecond  {@code delivery.rate.limit}: requests per second at most, 0 for no limit
 * @param retry          backoff and the retry window ({@code delivery.retry.max.duration})
 * @param requestTimeout {@code delivery.request.timeout}: a request without an answer by then is retried
 * @param maxAuthProbe   the longest wait between probes while the API key is refused
 */
public record DeliverySettings(String apiUrl, String apiKey, String requestsTopic, String retryTopic, String deadLetterTopic,
                               int maxInFlight, double ratePerSecond, RetryPolicy retry, Duration requestTimeout,
                               Duration maxAuthProbe, Duration commitInterval) {

    @Override
    public String toString() {
        // The key stays out of every log line, even one that prints the settings.
        return "DeliverySettings[apiUrl=" + apiUrl + ", requestsTopic=" + requestsTopic + ", retryTopic=" + retryTopic
                + ", deadLetterTopic=" + deadLetterTopic + ", maxInFlight=" + maxInFlight + ", ratePerSecond=" + ratePerSecond
                + ", retry=" + retry + ", requestTimeout=" + requestTimeout + "]";
    }
}

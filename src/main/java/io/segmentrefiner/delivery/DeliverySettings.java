package io.segmentrefiner.delivery;

import java.time.Duration;

/**
 * @param maxInFlight    {@code delivery.max.in.flight}: requests in flight at once, and HTTP connections
 * @param ratePerSecond  {@code delivery.rate.limit}: requests per second at most, 0 for no limit
 * @param retry          backoff and the retry window ({@code delivery.retry.max.duration})
 * @param requestTimeout {@code delivery.request.timeout}: a request without an answer by then is retried
 * @param maxAuthProbe   the longest wait between probes while the API key is refused
 * @param holdMax        {@code delivery.hold.max}: requests a contact holds behind one that waits for a retry
 */
public record DeliverySettings(String apiUrl, String apiKey, String requestsTopic, String retryTopic, String deadLetterTopic,
                               int maxInFlight, double ratePerSecond, RetryPolicy retry, Duration requestTimeout,
                               Duration maxAuthProbe, Duration commitInterval, int holdMax) {

    /**
     * Requests held in lines at most in memory (about a kilobyte each) before reading pauses: a Refiner outage makes
     * every contact wait, and what the lines cannot take stays on the requests topic until they drain.
     */
    public int heldMax() {
        return Math.max(20_000, holdMax * 4);
    }

    @Override
    public String toString() {
        // The key stays out of every log line, even one that prints the settings.
        return "DeliverySettings[apiUrl=" + apiUrl + ", requestsTopic=" + requestsTopic + ", retryTopic=" + retryTopic
                + ", deadLetterTopic=" + deadLetterTopic + ", maxInFlight=" + maxInFlight + ", ratePerSecond=" + ratePerSecond
                + ", retry=" + retry + ", requestTimeout=" + requestTimeout + ", holdMax=" + holdMax + "]";
    }
}

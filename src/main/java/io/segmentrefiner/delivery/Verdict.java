package io.segmentrefiner.delivery;

import java.time.Duration;
import java.util.Optional;

/** What an answer means for the request, following Segment's own destination semantics. */
public sealed interface Verdict {

    /** 2xx; and 404 to a {@code DELETE}, which finds the contact gone already. */
    record Delivered() implements Verdict {
    }

    /** 408, 429, 5xx, timeouts and connection errors: try again later, after {@code retryAfter} when the answer said. */
    record Retry(Optional<Duration> retryAfter, boolean throttled) implements Verdict {
    }

    /** 401 and 403: the key is wrong for every request, not this request bad. */
    record Unauthorized() implements Verdict {
    }

    /** Any other 4xx: this request will never be accepted. */
    record Permanent() implements Verdict {
    }

    static Verdict of(String method, ApiResponse response) {
        int status = response.status();
        if (status >= 200 && status < 300 || status == 404 && "DELETE".equalsIgnoreCase(method)) {
            return new Delivered();
        }
        if (status == 401 || status == 403) {
            return new Unauthorized();
        }
        if (status == 0 || status == 408 || status == 429 || status >= 500) {
            boolean honoursRetryAfter = status == 429 || status == 503;
            return new Retry(honoursRetryAfter ? response.retryAfter() : Optional.empty(), status == 429);
        }
        return new Permanent();
    }
}

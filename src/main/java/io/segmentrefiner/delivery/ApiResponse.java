package io.segmentrefiner.delivery;

import java.time.Duration;
import java.util.Optional;

/**
 * What Refiner answered, or why there is no answer.
 *
 * @param status     the HTTP status, or 0 when no response came (timeout, refused or dropped connection)
 * @param retryAfter the {@code Retry-After} the response asked for
 * @param body       the start of the response body, for dead letters and logs
 * @param failure    why no response came
 */
public record ApiResponse(int status, Optional<Duration> retryAfter, String body, Optional<String> failure) {

    public static ApiResponse of(int status, Optional<Duration> retryAfter, String body) {
        return new ApiResponse(status, retryAfter, body, Optional.empty());
    }

    public static ApiResponse noResponse(String failure) {
        return new ApiResponse(0, Optional.empty(), "", Optional.of(failure));
    }
}

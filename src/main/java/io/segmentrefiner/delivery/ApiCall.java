package io.segmentrefiner.delivery;

import java.util.Optional;

/**
 * One request to send to Refiner.
 *
 * @param path           under {@code refiner.api.url}, such as {@code /v1/identify-user}
 * @param body           the JSON body
 * @param idempotencyKey the source event's messageId, sent as {@code Idempotency-Key} so that a retried or
 *                       replayed request can be recognised
 */
public record ApiCall(String method, String path, String body, Optional<String> idempotencyKey) {
}

package io.segmentrefiner.delivery;

import java.util.concurrent.CompletableFuture;

/** Refiner's REST API: sends one call, answers asynchronously, never retries on its own. */
public interface RefinerApi extends AutoCloseable {

    CompletableFuture<ApiResponse> send(ApiCall call);

    @Override
    void close();
}

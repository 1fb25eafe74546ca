package io.segmentrefiner.app;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunningPartsTest {

    @Test
    void partsStopOnceInTheReverseOrderOfTheirStartAndAFailingOneStopsNoOther() throws Exception {
        List<String> stopped = new ArrayList<>();
        RunningParts parts = new RunningParts("running-parts-test");
        parts.add(() -> stopped.add("broker"));
        parts.add(() -> {
            stopped.add("translation");
            throw new IllegalStateException("already gone");
        });
        parts.add(() -> stopped.add("status server"));
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            try {
                parts.awaitStopped();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        parts.close();
        parts.close();

        assertThat(stopped).containsExactly("status server", "translation", "broker");
        waiting.get(10, TimeUnit.SECONDS); // the command waiting on them goes on
        assertThatThrownBy(() -> parts.add(() -> stopped.add("late"))).isInstanceOf(IllegalStateException.class);
        assertThat(stopped).as("a part started after the stop is stopped at once").endsWith("late");
    }
}

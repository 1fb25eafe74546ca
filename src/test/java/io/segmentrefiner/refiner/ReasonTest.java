package io.segmentrefiner.refiner;

import io.segmentrefiner.refiner.Reason.Stage;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class ReasonTest {

    @Test
    void everyReasonHasItsStageAndOnlyTheSkipsAreNotDeadLettered() {
        Map<Stage, java.util.List<Reason>> byStage = Arrays.stream(Reason.values()).collect(Collectors.groupingBy(Reason::stage));

        assertThat(byStage.get(Stage.DELIVER)).containsExactly(Reason.UNREADABLE_REQUEST, Reason.RETRIES_EXHAUSTED, Reason.HTTP_4XX,
                Reason.HOLD_LIMIT);
        assertThat(Arrays.stream(Reason.values()).filter(reason -> !reason.deadLettered()))
                .containsExactly(Reason.DISABLED, Reason.UNSUPPORTED_TYPE, Reason.DUPLICATE, Reason.SUPPRESSED);
        assertThat(Stage.TRANSLATE.code()).isEqualTo("translate");
        assertThat(Stage.DELIVER.code()).isEqualTo("deliver");
    }

    @Test
    void aCodeIsReadInAnyCaseAndAnUnknownOneIsNone() {
        assertThat(Reason.parse(" http_4xx ")).contains(Reason.HTTP_4XX);
        assertThat(Reason.parse("HTTP_5XX")).isEmpty();
        assertThat(Stage.parse("Deliver")).isEqualTo(Optional.of(Stage.DELIVER));
        assertThat(Stage.parse("retry")).isEmpty();
    }
}

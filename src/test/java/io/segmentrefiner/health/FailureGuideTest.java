package io.segmentrefiner.health;

import io.segmentrefiner.delivery.DeliveryFailures;
import io.segmentrefiner.refiner.Reason;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Every reason and every answer that holds delivery back has, on the status page, what it means and what to do. */
class FailureGuideTest {

    @Test
    void everyReasonAndAnswerIsDescribed() {
        Arrays.stream(Reason.values()).forEach(reason -> assertThat(FailureGuide.of(reason.name()))
                .as(reason.name()).hasValueSatisfying(entry -> {
                    assertThat(entry.meaning()).isNotBlank();
                    assertThat(entry.action()).isNotBlank();
                }));
        Arrays.stream(DeliveryFailures.Answer.values()).forEach(answer -> assertThat(FailureGuide.of(answer.name()))
                .as(answer.name()).isPresent());
        assertThat(FailureGuide.of("SOMETHING_ELSE")).isEmpty();
    }
}

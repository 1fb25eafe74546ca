package io.segmentrefiner.delivery;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class OffsetTrackerTest {

    @Test
    void commitsUpToTheLowestOpenOffsetAndRecordsWhatIsDoneAbove() {
        OffsetTracker tracker = new OffsetTracker(Set.of());
        for (long offset = 10; offset < 15; offset++) {
            tracker.opened(offset);
        }
        tracker.done(10);
        tracker.done(12);
        tracker.done(14);

        assertThat(tracker.committable()).isEqualTo(11);
        assertThat(OffsetTracker.doneIn(11, Optional.of(tracker.metadata()))).containsExactlyInAnyOrder(12L, 14L);

        tracker.done(11);
        tracker.done(13);
        assertThat(tracker.committable()).isEqualTo(15);
        assertThat(tracker.metadata()).isEmpty();
    }

    @Test
    void aNewReaderSkipsWhatTheLastOneRecordedAsDone() {
        OffsetTracker tracker = new OffsetTracker(OffsetTracker.doneIn(100, Optional.of("2,a")));

        assertThat(tracker.opened(100)).isTrue();
        assertThat(tracker.opened(102)).as("done by the last reader").isFalse();
        assertThat(tracker.opened(110)).isFalse();
        assertThat(tracker.opened(111)).isTrue();
        tracker.done(100);
        tracker.done(111);

        assertThat(tracker.committable()).isEqualTo(112);
    }

    @Test
    void whatTheLastReaderRecordedAsDoneStaysRecordedWhileSomethingBelowItIsOpen() {
        OffsetTracker tracker = new OffsetTracker(OffsetTracker.doneIn(100, Optional.of("2,5,a")));

        tracker.opened(100);
        tracker.opened(101);
        assertThat(tracker.opened(102)).isFalse();
        tracker.done(101);

        assertThat(tracker.committable()).isEqualTo(100);
        assertThat(OffsetTracker.doneIn(100, Optional.of(tracker.metadata())))
                .as("101 done now; 102 read and skipped; 105 and 110 not read yet: all still done for the next reader")
                .containsExactlyInAnyOrder(101L, 102L, 105L, 110L);
    }

    @Test
    void whatTheLastReaderRecordedAsDoneStaysRecordedWhenItIsTheNextOffsetToCommit() {
        // E committed 100 with 101 and 102 done; F finishes only 100 before it hands the partition over.
        OffsetTracker tracker = new OffsetTracker(OffsetTracker.doneIn(100, Optional.of("1,2")));

        tracker.opened(100);
        tracker.done(100);

        assertThat(tracker.committable()).isEqualTo(101);
        assertThat(OffsetTracker.doneIn(tracker.committable(), Optional.of(tracker.metadata())))
                .as("101 is the offset committed, and still done: the next reader skips it").containsExactlyInAnyOrder(101L, 102L);
    }

    @Test
    void metadataOfAnotherToolIsIgnored() {
        assertThat(OffsetTracker.doneIn(5, Optional.of("written by kafka-consumer-groups"))).isEmpty();
        assertThat(OffsetTracker.doneIn(5, Optional.empty())).isEmpty();
    }
}

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
    void runsOfDoneOffsetsAreRecordedAsRangesSoThatThousandsFit() {
        OffsetTracker tracker = new OffsetTracker(Set.of());
        for (long offset = 0; offset < 20_000; offset++) {
            tracker.opened(offset);
            if (offset % 100 != 0) {
                tracker.done(offset); // one in a hundred stays open: a contact's request in flight
            }
        }

        String metadata = tracker.metadata();
        assertThat(metadata.length()).isLessThan(4_000);
        assertThat(metadata).startsWith("1-2r,");
        Set<Long> done = OffsetTracker.doneIn(tracker.committable(), Optional.of(metadata));
        assertThat(done).hasSize(20_000 - 200).doesNotContain(0L, 100L, 19_900L).contains(1L, 99L, 101L, 19_999L);
    }

    @Test
    void whatDoesNotFitIsLeftOffWholeRunsAtATime() {
        OffsetTracker tracker = new OffsetTracker(Set.of());
        for (long offset = 0; offset < 6_000; offset++) {
            tracker.opened(offset);
            if (offset % 2 == 1) {
                tracker.done(offset); // every other one open: runs of one
            }
        }

        String metadata = tracker.metadata();
        assertThat(metadata.length()).isLessThanOrEqualTo(4_000);
        Set<Long> done = OffsetTracker.doneIn(0, Optional.of(metadata));
        assertThat(done).isNotEmpty().allMatch(offset -> offset % 2 == 1).contains(1L);
        long highest = done.stream().mapToLong(Long::longValue).max().orElseThrow();
        assertThat(done).as("a prefix: the offsets after the cut are sent again, never skipped wrongly").hasSize((int) (highest + 1) / 2);
    }

    @Test
    void anOffsetMetInALineIsDoneWhenReadUnlessReadAlreadyAndOnesBelowWhereReadingStartsAreForgotten() {
        OffsetTracker tracker = new OffsetTracker(Set.of());
        tracker.doneInALine(3); // below the committed offset: the line is older than the commit
        tracker.doneInALine(12);

        assertThat(tracker.opened(10)).isTrue();
        assertThat(tracker.opened(11)).isTrue();
        tracker.doneInALine(11); // read already: its outcome is this reader's to decide
        assertThat(tracker.opened(12)).as("in a line").isFalse();
        tracker.done(11);

        assertThat(tracker.committable()).isEqualTo(10);
        assertThat(OffsetTracker.doneIn(10, Optional.of(tracker.metadata()))).containsExactlyInAnyOrder(11L, 12L);
        tracker.done(10);
        assertThat(tracker.committable()).isEqualTo(13);
        assertThat(tracker.metadata()).as("3 forgotten, not carried along").isEmpty();
    }

    @Test
    void metadataOfAnotherToolIsIgnored() {
        assertThat(OffsetTracker.doneIn(5, Optional.of("written by kafka-consumer-groups"))).isEmpty();
        assertThat(OffsetTracker.doneIn(5, Optional.of("-5,3-1,0-zzzzzz"))).as("negative, backwards, absurdly long").isEmpty();
        assertThat(OffsetTracker.doneIn(5, Optional.empty())).isEmpty();
    }
}

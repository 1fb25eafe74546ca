package io.segmentrefiner.delivery;

import io.segmentrefiner.deadletter.TextHeaders;
import io.segmentrefiner.deadletter.DeadLetter;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** Whose records of a retry partition count, read back record by record. */
class RetryPartitionOwnershipTest {

    private static final DeadLetter.Origin NOWHERE = new DeadLetter.Origin("refiner.requests", 0, -1);

    @Test
    void anOwnerRecordOfALaterGenerationTakesOverAndOneOfAnEarlierOneIsAZombies() {
        RetryPartitionOwnership ownership = new RetryPartitionOwnership(9);
        assertThat(ownership.counts(record("anyone"))).as("before any owner record").isTrue();

        ownership.read(0, owner("first", 3));
        ownership.read(5, owner("second", 4));
        ownership.read(6, owner("first", 3));
        ownership.read(7, owner("other", 4));

        assertThat(ownership.counts(record("second"))).isTrue();
        assertThat(ownership.counts(record("first"))).as("a zombie of generation 3").isFalse();
        assertThat(ownership.counts(record("other"))).as("the same generation, another writer").isFalse();
        ownership.read(8, owner("second", 4));
        assertThat(ownership.committable(new TreeSet<>())).as("the renewal of the current owner is a place to start").contains(8L);
        assertThat(ownership.committable(new TreeSet<>(java.util.List.of(6L)))).as("the last owner record before a live one").contains(5L);
    }

    @Test
    void itsOwnRecordCountsWhenItsGenerationIsTheHighestAndOtherwiseItTakesTheNextOne() {
        RetryPartitionOwnership later = new RetryPartitionOwnership(9);
        later.read(0, owner("earlier", 8));
        later.read(3, owner(later.writer(), 9));
        assertThat(later.outranked()).isFalse();

        RetryPartitionOwnership afterReset = new RetryPartitionOwnership(2);
        afterReset.read(0, owner("before the reset", 40));
        afterReset.read(3, owner(afterReset.writer(), 2));
        assertThat(afterReset.counts(record(afterReset.writer()))).isFalse();

        assertThat(afterReset.outranked()).isTrue();

        assertThat(afterReset.generation()).isEqualTo(41);
        assertThat(TextHeaders.read(afterReset.ownerRecord(0), RetryHeaders.GENERATION)).contains("41");
        assertThat(afterReset.counts(record(afterReset.writer()))).isTrue();
    }

    @Test
    void anOwnerRecordIsRenewedOnlyAfterWritesAndASecondApart() {
        RetryPartitionOwnership ownership = new RetryPartitionOwnership(1);
        ownership.ownerRecord(0);
        assertThat(ownership.renewalDue(2_000_000_000L)).as("nothing written since").isFalse();

        ownership.wrote();

        assertThat(ownership.renewalDue(999_000_000L)).isFalse();
        assertThat(ownership.renewalDue(1_000_000_000L)).isTrue();
    }

    private static RetryHeaders.Entry owner(String writer, long generation) {
        return new RetryHeaders.Entry(RetryHeaders.Kind.OWNER, RetryHeaders.History.none(NOWHERE), Instant.EPOCH, Optional.of(writer), generation);
    }

    private static RetryHeaders.Entry record(String writer) {
        return new RetryHeaders.Entry(RetryHeaders.Kind.HELD, RetryHeaders.History.none(NOWHERE), Instant.EPOCH, Optional.of(writer), -1);
    }
}

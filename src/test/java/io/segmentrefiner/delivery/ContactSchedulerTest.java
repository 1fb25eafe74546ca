package io.segmentrefiner.delivery;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.deadletter.TextHeaders;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.deadletter.DeadLetter;
import io.segmentrefiner.deadletter.DeadLetterHeaders;
import io.segmentrefiner.harness.ManualClock;
import io.segmentrefiner.harness.RequestRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scheduler's decisions, without threads or Kafka: requests offered, answers given and writes acknowledged by
 * the test, on a clock the test moves. What leaves it (attempts, records to write) is recorded and asserted on.
 */
class ContactSchedulerTest {

    private static final String REQUESTS = "refiner.requests";
    private static final String RETRIES = "refiner.requests.retry";
    private static final String DEAD_LETTERS = "refiner.dlq";
    private static final TopicPartition P0 = new TopicPartition(REQUESTS, 0);
    private static final TopicPartition R0 = new TopicPartition(RETRIES, 0);
    // The consumer group's generation this reader was assigned its pairs in.
    private static final long GENERATION = 5;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final Recorded world = new Recorded();
    private ContactScheduler scheduler = scheduler(1_000);
    private long retryOffsets;

    // ---- order -----------------------------------------------------------------------------------------------------

    @Test
    void aContactHasOneRequestInFlightAndTheyGoInOffsetOrderWhileOthersGoAtOnce() {
        open(0);
        offer(0, 0, "ann");
        offer(0, 1, "ann");
        offer(0, 2, "bob");

        assertThat(world.sentOffsets()).containsExactly(0L, 2L);
        assertThat(scheduler.inFlight()).as("ann's and bob's first requests in flight together").isEqualTo(2);
        answer(world.attempt(0), 200);

        assertThat(world.sentOffsets()).containsExactly(0L, 2L, 1L);
        assertThat(scheduler.inFlight()).as("ann's second and bob's first").isEqualTo(2);
        assertThat(world.requestWrites()).isEmpty();
    }

    @Test
    void aRetryPutsTheContactsLaterRequestsInItsLineBehindItWhileOthersGoOn() {
        open(0);
        offer(0, 0, "ann");
        offer(0, 1, "ann");
        offer(0, 2, "ann");
        answer(world.attempt(0), 500);
        offer(0, 3, "bob");
        offer(0, 4, "ann");

        assertThat(world.requestWrites()).extracting(ContactSchedulerTest::describe)
                .containsExactly("retry 0", "held 1", "held 2", "held 4");
        assertThat(world.requestWrites()).allSatisfy(write -> assertThat(write.record().partition()).as("the pair's own retry partition").isZero());
        assertThat(world.sentOffsets()).as("bob goes on; ann's later requests wait").containsExactly(0L, 3L);

        clock.advance(Duration.ofSeconds(2));
        scheduler.tick();
        assertThat(world.sentOffsets()).as("ann's first request again, once due").containsExactly(0L, 3L, 0L);
        answer(world.last(), 200);
        assertThat(world.sentOffsets()).as("then the one behind it, at once").containsExactly(0L, 3L, 0L, 1L);
        answer(world.last(), 200);
        answer(world.last(), 200);
        answer(world.last(), 200);

        assertThat(world.sentOffsets()).containsExactly(0L, 3L, 0L, 1L, 2L, 4L);
        assertThat(world.requestWrites()).extracting(ContactSchedulerTest::describe)
                .containsExactly("retry 0", "held 1", "held 2", "held 4", "resolved 0", "resolved 1", "resolved 2", "resolved 4");
    }

    @Test
    void theContactGoesBackToItsQueueOnlyOnceTheEndOfItsLineIsDurable() {
        open(0);
        offer(0, 0, "ann");
        answer(world.attempt(0), 503);
        ackAll();
        clock.advance(Duration.ofSeconds(2));
        scheduler.tick();
        answer(world.last(), 200);
        offer(0, 1, "ann");

        assertThat(describe(world.requestWrites().get(world.requestWrites().size() - 1))).as("not yet durable that 0 is done: 1 joins the line")
                .isEqualTo("held 1");
        ackAll();
        answer(world.last(), 200);
        ackAll();
        offer(0, 2, "ann");

        assertThat(world.requestWrites()).extracting(ContactSchedulerTest::describe).as("2 goes straight out: ann waits no more")
                .containsExactly("retry 0", "resolved 0", "held 1", "resolved 1");
        assertThat(world.sentOffsets()).containsExactly(0L, 0L, 1L, 2L);
    }

    // ---- offsets ---------------------------------------------------------------------------------------------------

    @Test
    void aRequestsOffsetIsDoneOnlyOnceItsPlaceInTheLineIsAcknowledged() {
        open(0);
        offer(0, 0, "ann");
        offer(0, 1, "bob");
        answer(world.attempt(1), 200);
        answer(world.attempt(0), 500);

        assertThat(committed(P0)).as("0 has no durable outcome yet").isEqualTo(0);
        ack(world.requestWrites().get(0));

        assertThat(committed(P0)).as("0 is in ann's line, 1 delivered").isEqualTo(2);
    }

    @Test
    void theRetryTopicsCommittedOffsetIsAnOwnerRecordBeforeEveryRequestStillInALine() {
        open(0); // its owner record at offset 0
        offer(0, 0, "ann");
        offer(0, 1, "ann");
        answer(world.attempt(0), 500);
        ackAll(); // retry 0 at 1, held 1 at 2
        clock.advance(Duration.ofSeconds(2));
        scheduler.renewOwnerRecords();
        ackAll(); // owner record at 3
        assertThat(committed(R0)).as("before the retry at 1").isZero();

        scheduler.tick();
        answer(world.last(), 200);
        ackAll(); // resolved 0 at 4
        assertThat(committed(R0)).as("held 1, at 2, is live").isZero();

        answer(world.last(), 200);
        ackAll(); // resolved 1 at 5
        assertThat(committed(R0)).as("nothing live: the last owner record").isEqualTo(3);
        clock.advance(Duration.ofSeconds(2));
        scheduler.renewOwnerRecords();
        ackAll(); // owner record at 6
        assertThat(committed(R0)).isEqualTo(6);
    }

    @Test
    void aNewerRecordOfTheSameRequestIsWhatCounts() {
        open(0); // owner record at 0
        offer(0, 0, "ann");
        answer(world.attempt(0), 500);
        ackAll(); // retry 0 at 1
        clock.advance(Duration.ofSeconds(2));
        scheduler.renewOwnerRecords();
        ackAll(); // owner record at 2
        scheduler.tick();
        answer(world.last(), 500);
        ackAll(); // its newer record at 3

        assertThat(committed(R0)).as("past the older record of the request").isEqualTo(2);
    }

    @Test
    void anOwnerRecordIsWrittenAgainOnlyAfterWritesAndASecondApart() {
        open(0);
        scheduler.renewOwnerRecords();
        offer(0, 0, "ann");
        answer(world.attempt(0), 500);
        scheduler.renewOwnerRecords();
        assertThat(world.ownerWrites()).as("the first; nothing since a second ago").hasSize(1);

        clock.advance(Duration.ofSeconds(1));
        scheduler.renewOwnerRecords();
        scheduler.renewOwnerRecords();

        assertThat(world.ownerWrites()).hasSize(2);
        assertThat(world.ownerWrites()).allSatisfy(write -> assertThat(write.record().partition()).isZero());
    }

    // ---- a new owner -----------------------------------------------------------------------------------------------

    @Test
    void aNewOwnerReadsTheLinesBackFirstAndKeepsTheContactWaiting() {
        scheduler.openRequests(0, Set.of());
        scheduler.beginReign(0, GENERATION);
        replayOwner(0, 0, "earlier", 4);
        replay(0, 1, RetryHeaders.Kind.RETRY, "earlier", "ann", 0, clock.instant().minusSeconds(1));
        replay(0, 2, RetryHeaders.Kind.HELD, "earlier", "ann", 1, Instant.EPOCH);
        replay(0, 3, RetryHeaders.Kind.RETRY, "earlier", "cy", 5, clock.instant().minusSeconds(1));
        replay(0, 4, RetryHeaders.Kind.RESOLVED, "earlier", "cy", 5, Instant.EPOCH);
        assertThat(world.attempts).as("nothing before the lines are known").isEmpty();
        catchUpOwn(0);

        offer(0, 1, "ann"); // its requests offset was not committed before the hand-over: already in ann's line
        offer(0, 2, "ann");
        offer(0, 3, "bob");

        assertThat(world.sentOffsets()).as("ann's waiting request, and bob; cy's line had ended").containsExactly(0L, 3L);
        assertThat(world.requestWrites()).extracting(ContactSchedulerTest::describe).as("only the new request joins the line")
                .containsExactly("held 2");
        answer(world.attempt(0), 200);
        assertThat(world.sentOffsets()).containsExactly(0L, 3L, 1L);
        assertThat(world.attempts.get(0).pending().history.attempts()).as("what the line knew of its attempts").isEqualTo(1);
    }

    @Test
    void aPairStillReadingItsLinesBackCommitsNothing() {
        retryOffsets = 3; // an owner record and a line of two before this reader's owner record, at 3
        scheduler.openRequests(0, Set.of());
        scheduler.beginReign(0, GENERATION);
        ackAll();
        replayOwner(0, 0, "earlier", 4);
        replay(0, 1, RetryHeaders.Kind.RETRY, "earlier", "ann", 0, clock.instant().plusSeconds(60));

        assertThat(scheduler.committable(List.of(0))).as("its own owner record would pass the line still being read").isEmpty();

        replay(0, 2, RetryHeaders.Kind.HELD, "earlier", "ann", 1, Instant.EPOCH);
        catchUpOwn(0);
        assertThat(committed(R0)).as("the owner record before the line").isZero();
    }

    @Test
    void aRequestReadAgainThatIsAheadOfItsContactsLineIsDoneNotSent() {
        scheduler.openRequests(0, Set.of());
        scheduler.beginReign(0, GENERATION);
        replayOwner(0, 0, "earlier", 4);
        replay(0, 1, RetryHeaders.Kind.RETRY, "earlier", "ann", 5, clock.instant().plusSeconds(60));
        catchUpOwn(0);

        // Offset 4 was delivered before 5 waited, above the committed offset, and the metadata did not hold it all.
        offer(0, 4, "ann");

        assertThat(world.attempts).as("sending it would put it after 5").isEmpty();
        assertThat(world.requestWrites()).isEmpty();
        assertThat(committed(P0)).as("done").isEqualTo(5);
    }

    @Test
    void aRequestReadAgainBehindALineThatEndedSinceTheHandOverIsDoneNotSent() {
        // As above, but the line ends before 4 is read again: 5 is delivered from it, ann waits no more and is
        // forgotten. 4 went out before 5 joined the line (its contact's order), so it is still done.
        scheduler.openRequests(0, Set.of());
        scheduler.beginReign(0, GENERATION);
        replayOwner(0, 0, "earlier", 4);
        replay(0, 1, RetryHeaders.Kind.RETRY, "earlier", "ann", 5, clock.instant().minusSeconds(1));
        catchUpOwn(0);
        assertThat(world.sentOffsets()).as("5, due, from its line").containsExactly(5L);
        answer(world.last(), 200);
        ackAll();

        offer(0, 4, "ann");
        offer(0, 6, "ann");

        assertThat(world.sentOffsets()).as("4 again would come after 5").containsExactly(5L, 6L);
    }

    @Test
    void aRequestWhoseLineEndedBeforeTheHandOverIsDoneWhenReadAgainNotSent() {
        // The last owner held cy's 5 in a line and delivered it, but never committed 5 as done (the broker was away
        // when the line's record was acknowledged, and then the partition was taken): 5 is read again here.
        scheduler.openRequests(0, Set.of());
        scheduler.beginReign(0, GENERATION);
        replayOwner(0, 0, "earlier", 4);
        replay(0, 1, RetryHeaders.Kind.HELD, "earlier", "cy", 5, Instant.EPOCH);
        replay(0, 2, RetryHeaders.Kind.RESOLVED, "earlier", "cy", 5, Instant.EPOCH);
        catchUpOwn(0);

        offer(0, 4, "bob");
        offer(0, 5, "cy");
        offer(0, 6, "cy");

        assertThat(world.sentOffsets()).as("cy's 5 was delivered from its line").containsExactly(4L, 6L);
        OffsetAndMetadata commit = scheduler.committable(List.of(0)).get(P0);
        assertThat(commit.offset()).isEqualTo(4);
        assertThat(OffsetTracker.doneIn(4, Optional.of(commit.metadata()))).as("and the next reader skips it too").containsExactly(5L);
    }

    @Test
    void recordsOfAReaderWhoseOwnershipEndedCountForNobody() {
        scheduler.openRequests(0, Set.of());
        scheduler.beginReign(0, GENERATION);
        replayOwner(0, 0, "first", 3);
        replay(0, 1, RetryHeaders.Kind.RETRY, "first", "ann", 0, clock.instant().minusSeconds(1));
        replayOwner(0, 2, "second", 4);
        replay(0, 3, RetryHeaders.Kind.RESOLVED, "second", "ann", 0, Instant.EPOCH);
        // What "first" still had on its way when it lost the partition, landed after "second" took it.
        replay(0, 4, RetryHeaders.Kind.RETRY, "first", "bob", 7, clock.instant().minusSeconds(1));
        replayOwner(0, 5, "first", 3);
        replay(0, 6, RetryHeaders.Kind.HELD, "first", "ann", 9, Instant.EPOCH);
        catchUpOwn(0);

        offer(0, 8, "bob");
        offer(0, 9, "ann");

        assertThat(world.sentOffsets()).as("nobody waits: the line records of a lost ownership are void").containsExactly(8L, 9L);
        assertThat(world.requestWrites()).isEmpty();
    }

    @Test
    void aZombiesRecordsCountForNobodyEvenWhenReadingStartsAfterItsOwnershipEnded() {
        scheduler.openRequests(0, Set.of());
        scheduler.beginReign(0, GENERATION);
        // Read from the committed offset of "second": nothing of "first" before it is seen.
        replayOwner(0, 10, "second", 4);
        replayOwner(0, 11, "first", 3);
        replay(0, 12, RetryHeaders.Kind.RETRY, "first", "bob", 7, clock.instant().minusSeconds(1));
        replayOwner(0, 13, "intruder", 4);
        replay(0, 14, RetryHeaders.Kind.RETRY, "intruder", "cy", 8, clock.instant().minusSeconds(1));
        replay(0, 15, RetryHeaders.Kind.RETRY, "second", "ann", 5, clock.instant().plusSeconds(60));
        catchUpOwn(0);

        offer(0, 7, "bob");
        offer(0, 8, "cy");
        offer(0, 9, "ann");

        assertThat(world.sentOffsets()).as("only ann waits, in the line of the generation's owner").containsExactly(7L, 8L);
        assertThat(world.requestWrites()).extracting(ContactSchedulerTest::describe).containsExactly("held 9");
    }

    @Test
    void aReaderWhoseGenerationIsNotAboveTheLastOwnersTakesTheOneAfterBeforeItWritesAnything() {
        scheduler.openRequests(0, Set.of());
        scheduler.beginReign(0, 2); // the group was made again and counts from 1
        replayOwner(0, 0, "before the reset", 40);
        replay(0, 1, RetryHeaders.Kind.RETRY, "before the reset", "ann", 3, clock.instant().minusSeconds(1));
        catchUpOwn(0);

        assertThat(world.ownerWrites()).hasSize(2);
        Write.Owner renewed = world.ownerWrites().get(1);
        assertThat(header(renewed, RetryHeaders.GENERATION)).isEqualTo("41");
        assertThat(world.sentOffsets()).as("ann's line still counts").containsExactly(3L);

        clock.advance(Duration.ofSeconds(2));
        answer(world.last(), 500);
        assertThat(world.writes.indexOf(renewed)).as("before any record of a line").isLessThan(world.writes.indexOf(world.requestWrites().get(0)));
        scheduler.renewOwnerRecords();
        assertThat(header(world.ownerWrites().get(2), RetryHeaders.GENERATION)).as("renewals keep it").isEqualTo("41");
    }

    // ---- the end of the line ---------------------------------------------------------------------------------------

    @Test
    void aRequestWhoseRetriesRunOutIsDeadLetteredNamingTheOnesHeldBehindItAndTheyGoOn() {
        scheduler = scheduler(1_000, Duration.ofSeconds(3));
        open(0);
        offer(0, 0, "ann");
        offer(0, 1, "ann");
        offer(0, 2, "ann");
        answer(world.attempt(0), 500);
        clock.advance(Duration.ofSeconds(5));
        scheduler.tick();
        answer(world.last(), 500);

        Write deadLetter = world.requestWrites().stream().filter(write -> write instanceof Write.DeadLettered).findFirst().orElseThrow();
        assertThat(deadLetter.record().topic()).isEqualTo(DEAD_LETTERS);
        assertThat(header(deadLetter, DeadLetterHeaders.REASON)).isEqualTo("RETRIES_EXHAUSTED");
        assertThat(header(deadLetter, DeadLetterHeaders.HELD_BEHIND)).isEqualTo("2");
        assertThat(header(deadLetter, DeadLetterHeaders.HELD_BEHIND_OFFSETS)).isEqualTo("1,2");
        assertThat(header(deadLetter, DeadLetterHeaders.ATTEMPTS)).isEqualTo("2");
        assertThat(world.requestWrites()).extracting(ContactSchedulerTest::describe).as("the line ends only once the dead letter is durable")
                .containsExactly("retry 0", "held 1", "held 2", "dead letter 0 RETRIES_EXHAUSTED");
        assertThat(world.sentOffsets()).as("nothing behind it before that").containsExactly(0L, 0L);

        ackAll();

        assertThat(world.requestWrites()).extracting(ContactSchedulerTest::describe)
                .containsExactly("retry 0", "held 1", "held 2", "dead letter 0 RETRIES_EXHAUSTED", "resolved 0");
        assertThat(world.sentOffsets()).as("the one behind it goes out").containsExactly(0L, 0L, 1L);
    }

    @Test
    void aContactsNextRequestWaitsUntilTheDeadLetterBeforeItIsDurable() {
        open(0);
        offer(0, 0, "ann");
        offer(0, 1, "ann");
        offer(0, 2, "bob");
        answer(world.attempt(0), 422);

        assertThat(world.sentOffsets()).as("bob goes on").containsExactly(0L, 2L);
        answer(world.attempt(1), 200);
        assertThat(committed(P0)).as("0 has no durable outcome yet").isZero();

        ackAll();

        assertThat(world.sentOffsets()).containsExactly(0L, 2L, 1L);
        assertThat(committed(P0)).isEqualTo(1);
    }

    @Test
    void aContactHoldsAtMostHoldMaxRequestsBehindItsWaitingOne() {
        scheduler = scheduler(2);
        open(0);
        offer(0, 0, "ann");
        answer(world.attempt(0), 500);
        offer(0, 1, "ann");
        offer(0, 2, "ann");
        assertThat(world.requestWrites()).extracting(ContactSchedulerTest::describe).containsExactly("retry 0", "held 1", "held 2");

        offer(0, 3, "ann");
        ackAll();

        assertThat(world.requestWrites()).extracting(ContactSchedulerTest::describe)
                .containsExactly("retry 0", "held 1", "held 2", "held 3", "dead letter 0 HOLD_LIMIT", "resolved 0");
        assertThat(header(world.requestWrites().get(4), DeadLetterHeaders.HELD_BEHIND)).isEqualTo("3");
        assertThat(world.sentOffsets()).containsExactly(0L, 1L);
    }

    @Test
    void aPermanentRefusalInTheLineIsDeadLetteredAndTheLineGoesOn() {
        open(0);
        offer(0, 0, "ann");
        offer(0, 1, "ann");
        answer(world.attempt(0), 500);
        clock.advance(Duration.ofSeconds(2));
        scheduler.tick();
        answer(world.last(), 400);
        ackAll();

        assertThat(world.requestWrites()).extracting(ContactSchedulerTest::describe)
                .containsExactly("retry 0", "held 1", "dead letter 0 HTTP_4XX", "resolved 0");
        assertThat(world.sentOffsets()).containsExactly(0L, 0L, 1L);
    }

    @Test
    void whileOffsetsCannotBeCommittedNothingNewGoesOut() {
        open(0);
        scheduler.holdSending(true);
        offer(0, 0, "ann");
        assertThat(world.attempts).isEmpty();

        scheduler.holdSending(false);

        assertThat(world.sentOffsets()).containsExactly(0L);
    }

    // ---- handing back ----------------------------------------------------------------------------------------------

    @Test
    void aRevokedPairSendsNothingMoreAndWhatArrivesAfterItIsDroppedIsIgnored() {
        open(0);
        offer(0, 0, "ann");
        offer(0, 1, "bob");
        scheduler.revoke(List.of(0));
        offer(0, 2, "cy");
        assertThat(world.sentOffsets()).containsExactly(0L, 1L);
        assertThat(scheduler.awaitQuiet(List.of(0), Duration.ZERO)).as("two in flight").isFalse();
        answer(world.attempt(0), 200);
        answer(world.attempt(1), 200);
        assertThat(scheduler.awaitQuiet(List.of(0), Duration.ZERO)).isTrue();
        assertThat(committed(P0)).isEqualTo(2);

        scheduler.drop(List.of(0));

        assertThat(scheduler.committable(List.of(0))).isEmpty();
        assertThat(scheduler.queued()).isZero();
    }

    @Test
    void aRefusedKeyPausesEverybodyAndAProbeFindsWhenItWorksAgain() {
        open(0);
        offer(0, 0, "ann");
        offer(0, 1, "bob");
        answer(world.attempt(0), 401);
        answer(world.attempt(1), 401);
        offer(0, 2, "cy");
        assertThat(scheduler.unauthorized()).isTrue();
        assertThat(world.attempts).hasSize(2);

        clock.advance(Duration.ofSeconds(1));
        scheduler.tick();
        assertThat(world.attempts).as("one probe").hasSize(3);
        answer(world.last(), 200);

        assertThat(scheduler.unauthorized()).isFalse();
        assertThat(world.sentOffsets()).containsExactlyInAnyOrder(0L, 1L, 0L, 1L, 2L);
        assertThat(world.requestWrites()).as("nothing dead-lettered or retried").isEmpty();
    }

    @Test
    void whenRefinerAcceptsNothingARetryAfterHoldsEveryNewRequestToo() {
        open(0);
        for (int i = 0; i < 6; i++) {
            offer(0, i, "u-" + i);
        }
        for (int i = 0; i < 6; i++) {
            scheduler.answered(world.attempt(i), ApiResponse.of(429, Optional.of(Duration.ofSeconds(2)), ""));
        }
        offer(0, 6, "late");
        clock.advance(Duration.ofMillis(1_900));
        scheduler.tick();

        assertThat(world.attempts).as("nothing during the Retry-After").hasSize(6);
        clock.advance(Duration.ofMillis(200));
        scheduler.tick();
        assertThat(world.sentOffsets()).contains(6L);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private ContactScheduler scheduler(int holdMax) {
        return scheduler(holdMax, Duration.ofHours(4));
    }

    private ContactScheduler scheduler(int holdMax, Duration retryWindow) {
        DeliverySettings settings = new DeliverySettings("http://refiner.invalid", "rk_test", REQUESTS, RETRIES, DEAD_LETTERS, 8, 0,
                new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), retryWindow), Duration.ofSeconds(30), Duration.ofMinutes(5),
                Duration.ofMillis(200), holdMax);
        return new ContactScheduler(settings, world, new DeliveryMetrics(new SimpleMeterRegistry()), clock, clock::nanos);
    }

    /** A pair newly owned with nothing in its retry partition before this reader's owner record. */
    private void open(int pair) {
        scheduler.openRequests(pair, Set.of());
        scheduler.beginReign(pair, GENERATION);
        catchUpOwn(pair);
    }

    /** This reader's owner record acknowledged and read back: the pair's lines are known. */
    private void catchUpOwn(int pair) {
        ackAll();
        Write.Owner own = world.ownerWrites().get(world.ownerWrites().size() - 1);
        assertThat(scheduler.catchUpEnd(pair)).hasValue(retryOffsets);
        replayOwner(pair, retryOffsets - 1, header(own, RetryHeaders.WRITER), Long.parseLong(header(own, RetryHeaders.GENERATION)));
        scheduler.caughtUp(pair);
        ackAll();
    }

    private void replayOwner(int pair, long retryOffset, String writer, long generation) {
        scheduler.replayed(pair, retryOffset, new RetryHeaders.Entry(RetryHeaders.Kind.OWNER, RetryHeaders.History.none(origin(pair, -1)),
                Instant.EPOCH, Optional.of(writer), generation), "", Optional.empty());
        retryOffsets = Math.max(retryOffsets, retryOffset + 1);
    }

    private void offer(int pair, long offset, String contact) {
        scheduler.offer(pending(pair, offset, contact, RetryHeaders.History.none(origin(pair, offset)), true));
    }

    private void replay(int pair, long retryOffset, RetryHeaders.Kind kind, String writer, String contact, long originOffset, Instant due) {
        RetryHeaders.History history = new RetryHeaders.History(kind == RetryHeaders.Kind.RETRY ? 1 : 0,
                kind == RetryHeaders.Kind.RETRY ? Optional.of(due.minusSeconds(1)) : Optional.empty(), origin(pair, originOffset));
        RetryHeaders.Entry entry = new RetryHeaders.Entry(kind, history, due, Optional.of(writer), -1);
        Optional<Pending> request = Optional.empty();
        if (kind != RetryHeaders.Kind.RESOLVED) {
            Pending pending = pending(pair, originOffset, contact, history, false);
            pending.due = due;
            request = Optional.of(pending);
        }
        scheduler.replayed(pair, retryOffset, entry, contact, request);
        retryOffsets = Math.max(retryOffsets, retryOffset + 1);
    }

    private static DeadLetter.Origin origin(int pair, long offset) {
        return new DeadLetter.Origin(REQUESTS, pair, offset);
    }

    private static Pending pending(int pair, long offset, String contact, RetryHeaders.History history, boolean fromRequests) {
        RefinerRequestRecord request = RequestRecords.track("m-" + offset, contact, "E");
        return new Pending(pair, contact, history.origin(), contact.getBytes(StandardCharsets.UTF_8), new byte[]{0, 0, 0, 0, 1},
                new RecordHeaders(), request, history, fromRequests);
    }

    private void answer(ContactScheduler.Attempt attempt, int status) {
        scheduler.answered(attempt, ApiResponse.of(status, Optional.empty(), ""));
    }

    /** Acknowledges one write: records of the retry topic get its next offset. */
    private void ack(Write write) {
        if (world.acked.add(write)) {
            scheduler.written(write, write.record().topic().equals(RETRIES) ? retryOffsets++ : 0);
        }
    }

    private void ackAll() {
        new ArrayList<>(world.writes).forEach(this::ack);
    }

    private long committed(TopicPartition partition) {
        OffsetAndMetadata offset = scheduler.committable(List.of(partition.partition())).get(partition);
        return offset == null ? -1 : offset.offset();
    }

    private static String header(Write write, String name) {
        return TextHeaders.read(write.record().headers(), name).orElse(null);
    }

    private static String describe(Write write) {
        long offset = ((Write.OfRequest) write).pending().originOffset;
        if (write instanceof Write.DeadLettered deadLettered) {
            return "dead letter " + offset + " " + deadLettered.reason();
        }
        String kind = TextHeaders.read(write.record().headers(), RetryHeaders.KIND).orElseThrow();
        return kind + " " + offset;
    }

    /** What the scheduler asked of the world. */
    private static final class Recorded implements ContactScheduler.Effects {
        final List<ContactScheduler.Attempt> attempts = new ArrayList<>();
        final List<Write> writes = new ArrayList<>();
        final Set<Write> acked = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

        @Override
        public void send(ContactScheduler.Attempt attempt) {
            attempts.add(attempt);
        }

        @Override
        public void write(Write write) {
            writes.add(write);
        }

        @Override
        public void wakeUpIn(Duration wait) {
            // the test moves the clock and ticks
        }

        ContactScheduler.Attempt attempt(int index) {
            return attempts.get(index);
        }

        /** The writes about requests, without the owner records. */
        List<Write> requestWrites() {
            return writes.stream().filter(write -> write instanceof Write.OfRequest).toList();
        }

        List<Write.Owner> ownerWrites() {
            return writes.stream().filter(write -> write instanceof Write.Owner).map(write -> (Write.Owner) write).toList();
        }

        ContactScheduler.Attempt last() {
            return attempts.get(attempts.size() - 1);
        }

        List<Long> sentOffsets() {
            return attempts.stream().map(attempt -> attempt.pending().originOffset).collect(Collectors.toList());
        }
    }
}

package io.segmentrefiner.topology;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.refiner.EventMapper;
import io.segmentrefiner.refiner.EventTranslator;
import io.segmentrefiner.refiner.MappingSettings;
import io.segmentrefiner.refiner.Outcome;
import io.segmentrefiner.refiner.Outcome.Accepted;
import io.segmentrefiner.refiner.Outcome.Rejected;
import io.segmentrefiner.refiner.Outcome.Skipped;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.refiner.RefinerFilter;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentMessageReader;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Predicate;
import org.apache.kafka.streams.kstream.Produced;

import java.time.Duration;
import java.util.Map;

/**
 * The translation data path, top to bottom: raw Segment events are read (a batch envelope into its events),
 * checked, rid of the events of suppressed users, split by call type, mapped by the mapper of their type, rid of the
 * copies of a messageId translated within the deduplication window, and written as Avro requests keyed by contact;
 * deletes and unsuppress calls also change the suppression list. Rejected events of every step meet in one
 * dead-letter branch; skipped ones are counted.
 */
public final class TranslationTopology {

    /** The state store of the messageIds translated within the deduplication window; its changelog is named after it. */
    public static final String DEDUP_STORE = DropDuplicates.STORE;
    /** The global table of the suppression list; its topic is {@code suppressions.topic}, and it has no changelog. */
    public static final String SUPPRESSION_LIST_STORE = SuppressionState.LIST_STORE;
    /** A task's changes to the suppression list that the table may not show yet: in memory, without a changelog. */
    public static final String SUPPRESSION_CHANGES_STORE = SuppressionState.CHANGES_STORE;

    private TranslationTopology() {
    }

    /** @param dedupWindow how long a translated messageId makes its copies duplicates; zero for no deduplication */
    public static void build(StreamsBuilder builder, TopicNames topics, MappingSettings mapping, Duration dedupWindow,
                             Serde<RefinerRequestRecord> requestSerde, ObjectMapper json) {
        SegmentMessageReader reader = new SegmentMessageReader(json);
        Map<CallType, EventMapper> mappers = EventTranslator.mappers(mapping);

        KStream<byte[], Outcome> checked = builder
                .stream(topics.input(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("segment-events"))
                .flatMapValues(reader::read, Named.as("read-events"))
                .mapValues(RefinerFilter::check, Named.as("check"));

        Map<String, KStream<byte[], Outcome>> byCheck = checked.split(Named.as("checked-"))
                .branch(is(Skipped.class), Branched.as("skipped"))
                .branch(is(Rejected.class), Branched.as("rejected"))
                .defaultBranch(Branched.as("accepted"));

        builder.globalTable(topics.suppressions(), Consumed.with(Serdes.String(), Serdes.String()).withName("suppressions"),
                SuppressionState.listTable());
        builder.addStateStore(SuppressionState.changesStore());
        Map<String, KStream<byte[], Outcome>> bySuppression = byCheck.get("checked-accepted")
                .processValues(CheckSuppressions::new, Named.as("check-suppressions"), SuppressionState.CHANGES_STORE)
                .split(Named.as("users-"))
                .branch(is(Skipped.class), Branched.as("suppressed"))
                .defaultBranch(Branched.as("not-suppressed"));

        Map<String, KStream<byte[], Outcome>> byType = bySuppression.get("users-not-suppressed").split(Named.as("type-"))
                .branch(ofType(CallType.IDENTIFY), mapWith(mappers, CallType.IDENTIFY))
                .branch(ofType(CallType.GROUP), mapWith(mappers, CallType.GROUP))
                .branch(ofType(CallType.TRACK), mapWith(mappers, CallType.TRACK))
                .branch(ofType(CallType.PAGE), mapWith(mappers, CallType.PAGE))
                .branch(ofType(CallType.DELETE), mapWith(mappers, CallType.DELETE))
                .branch(ofType(CallType.UNSUPPRESS), mapWith(mappers, CallType.UNSUPPRESS))
                .noDefaultBranch();

        Map<String, KStream<byte[], Outcome>> byMapping = byType.get("type-identify")
                .merge(byType.get("type-group"), Named.as("merge-with-group"))
                .merge(byType.get("type-track"), Named.as("merge-with-track"))
                .merge(byType.get("type-page"), Named.as("merge-with-page"))
                .merge(byType.get("type-delete"), Named.as("merge-with-delete"))
                .merge(byType.get("type-unsuppress"), Named.as("merge-with-unsuppress"))
                .split(Named.as("mapped-"))
                .branch(is(Rejected.class), Branched.as("rejected"))
                .defaultBranch(Branched.as("translated"));

        KStream<byte[], Outcome> skipped = byCheck.get("checked-skipped")
                .merge(bySuppression.get("users-suppressed"), Named.as("with-suppressed"));
        KStream<byte[], Outcome> firstTranslations = byMapping.get("mapped-translated");
        if (!dedupWindow.isZero()) {
            builder.addStateStore(DropDuplicates.store());
            Map<String, KStream<byte[], Outcome>> byCopy = firstTranslations
                    .processValues(() -> new DropDuplicates(dedupWindow), Named.as("drop-duplicates"), DropDuplicates.STORE)
                    .split(Named.as("copies-"))
                    .branch(is(Skipped.class), Branched.as("duplicate"))
                    .defaultBranch(Branched.as("first"));
            skipped = skipped.merge(byCopy.get("copies-duplicate"), Named.as("all-skipped"));
            firstTranslations = byCopy.get("copies-first");
        }
        skipped.processValues(CountSkipped::new, Named.as("count-skipped"));

        firstTranslations
                .process(ToSuppressionList::new, Named.as("to-suppression-list"), SuppressionState.CHANGES_STORE)
                .to(topics.suppressions(), Produced.with(Serdes.String(), Serdes.String()).withName("refiner-suppressions"));

        firstTranslations
                .filter(is(Translated.class), Named.as("requests-only"))
                .process(ToRequestRecord::new, Named.as("key-by-contact"))
                .to(topics.requests(), Produced.with(Serdes.String(), requestSerde).withName("refiner-requests"));

        byCheck.get("checked-rejected")
                .merge(byMapping.get("mapped-rejected"), Named.as("all-rejected"))
                .processValues(ToDeadLetter::new, Named.as("to-dead-letter"))
                .to(topics.deadLetters(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("refiner-dlq"));
    }

    private static Predicate<byte[], Outcome> is(Class<? extends Outcome> kind) {
        return (key, outcome) -> kind.isInstance(outcome);
    }

    private static Predicate<byte[], Outcome> ofType(CallType type) {
        return (key, outcome) -> ((Accepted) outcome).type() == type;
    }

    private static Branched<byte[], Outcome> mapWith(Map<CallType, EventMapper> mappers, CallType type) {
        EventMapper mapper = mappers.get(type);
        return Branched.withFunction(
                accepted -> accepted.mapValues(outcome -> mapper.map(((Accepted) outcome).event()), Named.as("map-" + type.specName())),
                type.specName());
    }
}

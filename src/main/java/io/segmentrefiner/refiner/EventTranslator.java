package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.refiner.Outcome.Accepted;
import io.segmentrefiner.refiner.Outcome.Skipped;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.refiner.Outcome.Unsuppressed;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.IncomingEvent;
import io.segmentrefiner.segment.SegmentMessageReader;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The whole translation of one record value, for callers outside Kafka Streams such as the {@code translate}
 * command: read, check, skip the events of users deleted earlier in the same input, map with the mapper of the call
 * type, and (when asked) skip the copies of a messageId translated before. The topology runs the same steps as
 * branches, with the suppression list of its topic.
 */
public final class EventTranslator {

    private final SegmentMessageReader reader;
    private final Map<CallType, EventMapper> mappers;
    // The messageIds translated so far, when copies are skipped: within one input, as the topology does within its window.
    private final Set<String> translated;
    // The suppression list of this translator's input so far: deletes add to it, unsuppress calls take off it.
    private final Map<String, SuppressionEntry> suppressed = new HashMap<>();

    /** A translator that translates every copy of a messageId, as the topology does with {@code dedup.window=0}. */
    public EventTranslator(ObjectMapper json, MappingSettings settings) {
        this(json, settings, false);
    }

    /** @param dropDuplicates whether an event whose messageId was translated before is skipped as {@code DUPLICATE} */
    public EventTranslator(ObjectMapper json, MappingSettings settings, boolean dropDuplicates) {
        this.reader = new SegmentMessageReader(json);
        this.mappers = mappers(settings);
        this.translated = dropDuplicates ? new HashSet<>() : null;
    }

    /** One mapper per supported call type. */
    public static Map<CallType, EventMapper> mappers(MappingSettings settings) {
        Map<CallType, EventMapper> mappers = new EnumMap<>(CallType.class);
        mappers.put(CallType.IDENTIFY, new IdentifyMapper(settings.userAttributes()));
        mappers.put(CallType.GROUP, new GroupMapper(settings.accountAttributes()));
        mappers.put(CallType.TRACK, new TrackMapper());
        mappers.put(CallType.PAGE, new PageMapper(settings.pageEvent()));
        mappers.put(CallType.DELETE, new DeleteMapper());
        mappers.put(CallType.UNSUPPRESS, new UnsuppressMapper());
        return mappers;
    }

    /** One final outcome (translated, unsuppressed, skipped or rejected) per event the value holds, in order. */
    public List<Outcome> translate(byte[] value) {
        List<Outcome> outcomes = new ArrayList<>();
        for (IncomingEvent event : reader.read(value)) {
            Outcome outcome = RefinerFilter.check(event);
            if (outcome instanceof Accepted accepted) {
                outcome = Suppressions.check(accepted, this::listed);
            }
            if (outcome instanceof Accepted accepted) {
                outcome = unlessCopy(mappers.get(accepted.type()).map(accepted.event()));
            }
            changeSuppressions(outcome);
            outcomes.add(outcome);
        }
        return outcomes;
    }

    private Optional<SuppressionEntry> listed(String key) {
        return Optional.ofNullable(suppressed.get(key));
    }

    private void changeSuppressions(Outcome outcome) {
        Suppressions.changes(outcome, Instant.now(), this::listed).forEach((key, entry) ->
                entry.ifPresentOrElse(listed -> suppressed.put(key, listed), () -> suppressed.remove(key)));
    }

    private Outcome unlessCopy(Outcome outcome) {
        if (translated == null || !(outcome instanceof Translated || outcome instanceof Unsuppressed) || outcome.messageId().isEmpty()) {
            return outcome;
        }
        return translated.add(outcome.messageId().get()) ? outcome : new Skipped(outcome.messageId(), Reason.DUPLICATE);
    }
}

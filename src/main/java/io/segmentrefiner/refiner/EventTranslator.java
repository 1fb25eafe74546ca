package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.refiner.Outcome.Accepted;
import io.segmentrefiner.refiner.Outcome.Skipped;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentMessageReader;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole translation of one record value, for callers outside Kafka Streams such as the {@code translate}
 * command: read, check, map with the mapper of the call type, and (when asked) skip the copies of a messageId
 * translated before. The topology runs the same steps as branches.
 */
public final class EventTranslator {

    private final SegmentMessageReader reader;
    private final Map<CallType, EventMapper> mappers;
    // The messageIds translated so far, when copies are skipped: within one input, as the topology does within its window.
    private final Set<String> translated;

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
        return mappers;
    }

    /** One final outcome (translated, skipped or rejected) per event the value holds, in order. */
    public List<Outcome> translate(byte[] value) {
        return reader.read(value).stream()
                .map(RefinerFilter::check)
                .map(outcome -> outcome instanceof Accepted accepted
                        ? mappers.get(accepted.type()).map(accepted.event())
                        : outcome)
                .map(this::unlessCopy)
                .toList();
    }

    private Outcome unlessCopy(Outcome outcome) {
        if (translated == null || !(outcome instanceof Translated) || outcome.messageId().isEmpty()) {
            return outcome;
        }
        return translated.add(outcome.messageId().get()) ? outcome : new Skipped(outcome.messageId(), Reason.DUPLICATE);
    }
}

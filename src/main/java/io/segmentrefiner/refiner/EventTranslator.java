package io.segmentrefiner.refiner;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.refiner.Outcome.Accepted;
import io.segmentrefiner.segment.CallType;
import io.segmentrefiner.segment.SegmentMessageReader;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The whole translation of one record value, for callers outside Kafka Streams such as the {@code translate}
 * command: read, check, then map with the mapper of the call type. The topology runs the same steps as branches.
 */
public final class EventTranslator {

    private final SegmentMessageReader reader;
    private final Map<CallType, EventMapper> mappers;

    public EventTranslator(ObjectMapper json, MappingSettings settings) {
        this.reader = new SegmentMessageReader(json);
        this.mappers = mappers(settings);
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
                .toList();
    }
}

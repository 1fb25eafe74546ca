package io.segmentrefiner.refiner;

import io.segmentrefiner.segment.SegmentEvent;

/** Maps one accepted event of one call type: a pure function to {@link Outcome.Translated} or {@link Outcome.Rejected}. */
@FunctionalInterface
public interface EventMapper {

    Outcome map(SegmentEvent event);
}

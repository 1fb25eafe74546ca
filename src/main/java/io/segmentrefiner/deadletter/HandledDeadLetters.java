package io.segmentrefiner.deadletter;

import io.segmentrefiner.refiner.Reason;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The dead letters that Kafka Streams' error handlers wrote, per reason: those handlers are made by Kafka Streams,
 * not by the topology, so they count here rather than in a processor's sensor. One instance per Kafka Streams
 * application, handed to its handlers in the Streams settings under {@link #CONFIG}.
 */
public final class HandledDeadLetters {

    /** The Streams setting that carries the instance to the handlers; not a Kafka setting, and never logged. */
    public static final String CONFIG = "segment-refiner.handled-dead-letters";

    private final Map<Reason, LongAdder> counts = new EnumMap<>(Reason.class);

    public HandledDeadLetters() {
        for (Reason reason : Reason.values()) {
            counts.put(reason, new LongAdder());
        }
    }

    /** How many dead letters of this reason the handlers wrote since the start. */
    public long count(Reason reason) {
        return counts.get(reason).sum();
    }

    void counted(Reason reason) {
        counts.get(reason).increment();
    }

    /** The instance in the handlers' settings, or one that nobody reads. */
    static HandledDeadLetters in(Map<String, ?> configs) {
        return configs.get(CONFIG) instanceof HandledDeadLetters handled ? handled : new HandledDeadLetters();
    }
}

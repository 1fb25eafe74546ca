package io.segmentrefiner.segment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Turns one line of Segment JSON into the records to send to the input topic, as Segment's servers would have
 * sent them: a batch envelope becomes its events (read by {@link SegmentMessageReader}, the envelope's
 * {@code context} and {@code integrations} folded in), an event without a {@code messageId} gets a random one and an
 * event without a {@code receivedAt} gets the current time, and each event is keyed by who it is about so that one
 * person's events stay on one partition: the person (user id, else email), else {@code anonymousId}, else the
 * {@code messageId}.
 */
public final class SegmentMessagePreparer {

    /** What one event of a line, or the line itself, became. */
    public sealed interface Prepared permits Ready, Unsendable {
    }

    /** An event to send: its partition key and its JSON. */
    public record Ready(String key, byte[] value) implements Prepared {
    }

    /** A line, or an element of a batch, that is not a JSON object, and why. */
    public record Unsendable(String problem) implements Prepared {
    }

    private final ObjectMapper json;
    private final SegmentMessageReader reader;
    private final Function<SegmentEvent, Optional<String>> person;
    private final Clock clock;
    private final Supplier<String> messageIds;

    /**
     * @param person     who an event is about, its user id or else its email, or empty when it names neither
     * @param clock      the time a {@code receivedAt} is filled in with
     * @param messageIds the {@code messageId} of an event that has none
     */
    public SegmentMessagePreparer(ObjectMapper json, Function<SegmentEvent, Optional<String>> person, Clock clock,
                                  Supplier<String> messageIds) {
        this.json = json;
        this.reader = new SegmentMessageReader(json);
        this.person = person;
        this.clock = clock;
        this.messageIds = messageIds;
    }

    /** The events of one line, in order: one, or those of a batch envelope (none for an empty batch). */
    public List<Prepared> prepare(byte[] line) {
        List<Prepared> prepared = new ArrayList<>();
        for (IncomingEvent incoming : reader.read(line)) {
            if (incoming instanceof UnreadableEvent unreadable) {
                prepared.add(new Unsendable(unreadable.problem()));
            } else if (incoming instanceof SegmentEvent event) {
                prepared.add(ready(event));
            }
        }
        return prepared;
    }

    /**
     * The partition key of an event: who it is about (as {@code person} finds it), else its {@code anonymousId}, else
     * its {@code messageId}; empty only for an event with none of them.
     */
    public static Optional<String> partitionKey(SegmentEvent event, Function<SegmentEvent, Optional<String>> person) {
        return person.apply(event).or(() -> event.text("anonymousId")).or(event::messageId);
    }

    private Ready ready(SegmentEvent event) {
        SegmentEvent complete = complete(event);
        return new Ready(partitionKey(complete, person).orElseThrow(), complete.source());
    }

    /** The event with a {@code messageId} and a {@code receivedAt}; the same event, bytes unchanged, when it has both. */
    private SegmentEvent complete(SegmentEvent event) {
        boolean lacksReceivedAt = event.text("receivedAt").isEmpty();
        if (ServerFields.hasMessageId(event.json()) && !lacksReceivedAt) {
            return event;
        }
        ObjectNode filled = event.json().deepCopy();
        ServerFields.fillInMessageId(filled, messageIds);
        if (lacksReceivedAt) {
            ServerFields.setReceivedAt(filled, clock.instant());
        }
        return new SegmentEvent(filled, SegmentEvent.bytes(json, filled));
    }

}

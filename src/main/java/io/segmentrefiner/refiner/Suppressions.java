package io.segmentrefiner.refiner;

import io.segmentrefiner.refiner.Outcome.Accepted;
import io.segmentrefiner.refiner.Outcome.Skipped;
import io.segmentrefiner.refiner.Outcome.Translated;
import io.segmentrefiner.refiner.Outcome.Unsuppressed;
import io.segmentrefiner.segment.CallType;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The rules of the suppression list, as Segment suppresses a deleted user: a {@code delete} call lists the user
 * under their user id and their email (each when the call has it), every later event whose user id or email is
 * listed is skipped as {@code SUPPRESSED}, and an {@code unsuppress} call takes the user off. The list itself (a
 * compacted topic read as a table) is the topology's; these are the pure decisions, shared with {@code translate}.
 */
public final class Suppressions {

    private Suppressions() {
    }

    /**
     * The event skipped as {@code SUPPRESSED} when its user is listed, else the event as it was. A delete or an
     * unsuppress call is never suppressed: each changes the list, and a delete is sent again to Refiner, which answers
     * an already deleted contact with 404.
     */
    public static Outcome check(Accepted accepted, Function<String, Optional<SuppressionEntry>> listed) {
        if (accepted.type() == CallType.DELETE || accepted.type() == CallType.UNSUPPRESS) {
            return accepted;
        }
        Optional<Contact> contact = Contact.of(accepted.event(), accepted.type());
        boolean suppressed = contact.isPresent() && (contact.get().id().flatMap(listed).isPresent()
                || contact.get().email().flatMap(listed).isPresent());
        return suppressed ? new Skipped(accepted.messageId(), Reason.SUPPRESSED) : accepted;
    }

    /** Whether an outcome is a delete or an unsuppress call, the two that change the list. */
    public static boolean changesTheList(Outcome outcome) {
        return outcome instanceof Unsuppressed || outcome instanceof Translated translated && translated.type() == CallType.DELETE;
    }

    /**
     * What a translated outcome changes on the list, key by key: an entry added (a delete) or an empty one for a key
     * lifted (an unsuppress, which also lifts the other key of whichever entry it finds). Nothing for any other outcome.
     *
     * @param at when the change is made: the entry's {@code since}
     */
    public static Map<String, Optional<SuppressionEntry>> changes(Outcome outcome, Instant at,
                                                                Function<String, Optional<SuppressionEntry>> listed) {
        if (!changesTheList(outcome)) {
            return Map.of();
        }
        Map<String, Optional<SuppressionEntry>> changes = new LinkedHashMap<>();
        if (outcome instanceof Translated translated && translated.type() == CallType.DELETE) {
            Contact.of(translated.event(), CallType.DELETE).ifPresent(contact -> {
                SuppressionEntry entry = SuppressionEntry.of(contact, at, translated.messageId());
                entry.keys().forEach(key -> changes.put(key, Optional.of(entry)));
            });
        } else if (outcome instanceof Unsuppressed unsuppressed) {
            Set<String> keys = new LinkedHashSet<>();
            unsuppressed.contact().id().ifPresent(keys::add);
            unsuppressed.contact().email().ifPresent(keys::add);
            for (String key : List.copyOf(keys)) {
                listed.apply(key).ifPresent(entry -> keys.addAll(entry.keys()));
            }
            keys.forEach(key -> changes.put(key, Optional.empty()));
        }
        return changes;
    }
}

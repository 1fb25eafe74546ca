package io.segmentrefiner.harness;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Whether each contact's requests were accepted in the order they were produced. A crash re-sends what was done
 * since the last commit, in order, so a request may be accepted twice; what matters is that no request is accepted
 * for the first time after a later one, and that no request's last acceptance comes after a later one's (the
 * contact's state in Refiner is then its latest request's).
 */
public final class ContactOrder {

    private ContactOrder() {
    }

    /**
     * The contacts whose accepted requests break that order, with the sequence of their requests as accepted.
     *
     * @param contactOf  who a request is about
     * @param sequenceOf its place among that contact's requests, as produced
     */
    public static <T> Map<String, List<Integer>> violations(List<T> accepted, Function<T, String> contactOf, ToIntFunction<T> sequenceOf) {
        Map<String, List<Integer>> byContact = new LinkedHashMap<>();
        for (T request : accepted) {
            byContact.computeIfAbsent(contactOf.apply(request), contact -> new ArrayList<>()).add(sequenceOf.applyAsInt(request));
        }
        Map<String, List<Integer>> violations = new LinkedHashMap<>();
        byContact.forEach((contact, sequence) -> {
            if (!rising(firstOccurrences(sequence)) || !rising(lastOccurrences(sequence))) {
                violations.put(contact, sequence);
            }
        });
        return violations;
    }

    private static List<Integer> firstOccurrences(List<Integer> sequence) {
        Set<Integer> seen = new HashSet<>();
        return sequence.stream().filter(seen::add).toList();
    }

    private static List<Integer> lastOccurrences(List<Integer> sequence) {
        List<Integer> reversed = new ArrayList<>(sequence);
        java.util.Collections.reverse(reversed);
        List<Integer> last = new ArrayList<>(firstOccurrences(reversed));
        java.util.Collections.reverse(last);
        return last;
    }

    private static boolean rising(List<Integer> sequence) {
        for (int i = 1; i < sequence.size(); i++) {
            if (sequence.get(i) <= sequence.get(i - 1)) {
                return false;
            }
        }
        return true;
    }
}

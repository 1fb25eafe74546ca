package io.segmentrefiner.topology;

import org.apache.kafka.clients.admin.NewTopic;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A topic the pipeline needs, with the partitions and configs it is created with when missing. */
public record TopicDeclaration(String name, String purpose, int partitions, Map<String, String> configs) {

    private static final String SEVEN_DAYS_MS = Long.toString(7L * 24 * 60 * 60 * 1000);
    private static final String THIRTY_DAYS_MS = Long.toString(30L * 24 * 60 * 60 * 1000);

    /**
     * The pipeline's topics. Requests are keyed by contact, so their partition count bounds delivery's
     * parallelism; the lines of waiting contacts hold a request at most its retry window (4 hours by default) and are kept a week; dead letters are
     * kept a month, so that there is time to fix a cause and replay them; the suppression list is kept until a user is
     * taken off it.
     */
    public static List<TopicDeclaration> pipeline(TopicNames topics, int partitions) {
        return List.of(
                new TopicDeclaration(topics.input(), "raw Segment events (JSON)", partitions,
                        Map.of("cleanup.policy", "delete", "retention.ms", SEVEN_DAYS_MS)),
                new TopicDeclaration(topics.requests(), "Refiner requests (Avro, keyed by contact)", partitions,
                        Map.of("cleanup.policy", "delete", "retention.ms", SEVEN_DAYS_MS)),
                new TopicDeclaration(topics.retries(), "the lines of contacts waiting for a retry (Avro; retry, held and resolved records), as many partitions as the requests", partitions,
                        Map.of("cleanup.policy", "delete", "retention.ms", SEVEN_DAYS_MS)),
                new TopicDeclaration(topics.deadLetters(), "dead letters (original bytes, reason headers)", partitions,
                        Map.of("cleanup.policy", "delete", "retention.ms", THIRTY_DAYS_MS)),
                // Every instance reads all of it; one partition keeps that one fetch, and a list of deleted users is small.
                new TopicDeclaration(topics.suppressions(), "the suppression list of deleted users (JSON, keyed by user id and by email; compacted)", 1,
                        Map.of("cleanup.policy", "compact")));
    }

    /** The topic to create; an empty replication factor means the broker's {@code default.replication.factor}. */
    public NewTopic newTopic(Optional<Short> replicationFactor) {
        return new NewTopic(name, Optional.of(partitions), replicationFactor).configs(configs);
    }
}

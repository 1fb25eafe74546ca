package io.segmentrefiner.topology;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.LeaderNotAvailableException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/** Creates the declared topics that are missing; existing ones are left as they are. */
public final class TopicCreator {

    private TopicCreator() {
    }

    /** @return the names of the topics it created */
    public static List<String> createMissing(Admin admin, List<TopicDeclaration> topics, Optional<Short> replicationFactor)
            throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<TopicDeclaration> missing = topics.stream().filter(topic -> !existing.contains(topic.name())).toList();
        if (missing.isEmpty()) {
            return List.of();
        }
        try {
            admin.createTopics(missing.stream().map(topic -> topic.newTopic(replicationFactor)).toList())
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // Another instance starting at the same moment may have created them first.
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        awaitLeaders(admin, missing.stream().map(TopicDeclaration::name).toList());
        return missing.stream().map(TopicDeclaration::name).toList();
    }

    /**
     * Waits until every partition of new topics is served by its leader: a producer that writes before then gets
     * NOT_LEADER_OR_FOLLOWER, and an idempotent one can stall on out-of-order sequence numbers. The metadata can
     * name a leader before that leader serves the partition, so each partition's end offset is asked of it too.
     */
    private static void awaitLeaders(Admin admin, List<String> topics) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            boolean ready;
            try {
                List<TopicPartition> partitions = new ArrayList<>();
                ready = true;
                for (TopicDescription topic : admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
                    for (TopicPartitionInfo partition : topic.partitions()) {
                        ready &= partition.leader() != null && !partition.leader().isEmpty();
                        partitions.add(new TopicPartition(topic.name(), partition.partition()));
                    }
                }
                if (ready) {
                    admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                            .all().get(30, TimeUnit.SECONDS);
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException || e.getCause() instanceof NotLeaderOrFollowerException
                        || e.getCause() instanceof LeaderNotAvailableException)) {
                    throw e;
                }
                ready = false; // created, not yet served by the broker that answered
            }
            if (ready || System.nanoTime() > deadline) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(100); // polling the leaders
        }
    }
}

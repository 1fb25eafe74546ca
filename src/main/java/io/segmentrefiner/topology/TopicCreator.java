package io.segmentrefiner.topology;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
        return missing.stream().map(TopicDeclaration::name).toList();
    }
}

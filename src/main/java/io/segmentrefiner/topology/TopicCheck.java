package io.segmentrefiner.topology;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/** Compares the declared topics with the cluster: missing, as declared, or drifted (and how). */
public final class TopicCheck {

    public enum State { MISSING, AS_DECLARED, DRIFTED }

    /** One topic's state; {@code differences} say how a drifted topic differs, as {@code what: actual, declared}. */
    public record Status(TopicDeclaration topic, State state, List<String> differences) {
    }

    private TopicCheck() {
    }

    public static List<Status> check(Admin admin, List<TopicDeclaration> topics, Optional<Short> replicationFactor)
            throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<String> present = topics.stream().map(TopicDeclaration::name).filter(existing::contains).toList();
        Map<String, TopicDescription> descriptions = admin.describeTopics(present).allTopicNames().get(30, TimeUnit.SECONDS);
        Map<ConfigResource, Config> configs = admin.describeConfigs(present.stream()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList()).all().get(30, TimeUnit.SECONDS);
        List<Status> statuses = new ArrayList<>();
        for (TopicDeclaration topic : topics) {
            if (!existing.contains(topic.name())) {
                statuses.add(new Status(topic, State.MISSING, List.of()));
                continue;
            }
            List<String> differences = new ArrayList<>();
            TopicDescription description = descriptions.get(topic.name());
            if (description.partitions().size() != topic.partitions()) {
                differences.add("partitions: " + description.partitions().size() + ", declared " + topic.partitions());
            }
            replicationFactor.ifPresent(declared -> {
                int actual = description.partitions().get(0).replicas().size();
                if (actual != declared) {
                    differences.add("replication factor: " + actual + ", declared " + declared);
                }
            });
            Map<String, String> actual = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name())).entries().stream()
                    .collect(Collectors.toMap(ConfigEntry::name, entry -> String.valueOf(entry.value()), (a, b) -> a));
            new TreeMap<>(topic.configs()).forEach((key, declared) -> {
                String value = actual.get(key);
                if (!declared.equals(value)) {
                    differences.add(key + ": " + value + ", declared " + declared);
                }
            });
            statuses.add(new Status(topic, differences.isEmpty() ? State.AS_DECLARED : State.DRIFTED, differences));
        }
        return statuses;
    }
}

package io.segmentrefiner.cli;

import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import io.segmentrefiner.topology.TopicDeclaration;
import io.segmentrefiner.topology.TopologyDiagram;
import io.segmentrefiner.topology.TranslationTopology;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The files under {@code topology/} are generated from the code with the default settings. This test fails when
 * they drift; {@code mvn test -Dtest=TopologyFilesTest -Dtopology.update=true} writes them anew.
 */
class TopologyFilesTest {

    private static final Path FOLDER = Path.of("topology");
    private static final boolean UPDATE = Boolean.getBoolean("topology.update");

    private final AppConfig defaults = AppConfig.of(Map.of());
    private final TopologyDescription description =
            TranslationStage.topology(defaults, InMemorySchemaRegistry.scope("topology-files-test")).describe();

    @Test
    void theTopologyDescriptionIsCurrent() throws IOException {
        check("translation.txt", description.toString());
    }

    @Test
    void theMermaidDiagramIsCurrent() throws IOException {
        check("translation.mmd", TopologyDiagram.mermaid(description));
    }

    @Test
    void theTopicTableIsCurrent() throws IOException {
        StringBuilder table = new StringBuilder("""
                # Topics

                Generated from `TopicDeclaration.pipeline` with the default settings; `run` creates the missing ones
                with these partitions (`topics.partitions`) and configs, and the broker's default replication factor
                unless `topics.replication.factor` says otherwise. Existing topics are left as they are.

                | topic | setting | holds | partitions | configs |
                |---|---|---|---|---|
                """);
        String[] settings = {AppConfig.INPUT_TOPIC.key(), AppConfig.REQUESTS_TOPIC.key(), AppConfig.RETRY_TOPIC.key(), AppConfig.DLQ_TOPIC.key(),
                AppConfig.SUPPRESSIONS_TOPIC.key()};
        int row = 0;
        for (TopicDeclaration topic : TranslationStage.topics(defaults)) {
            StringBuilder configs = new StringBuilder();
            new TreeMap<>(topic.configs()).forEach((key, value) -> configs.append(configs.isEmpty() ? "" : ", ").append('`').append(key).append('=').append(value).append('`'));
            table.append("| `").append(topic.name()).append("` | `").append(settings[row++]).append("` | ").append(topic.purpose())
                    .append(" | ").append(topic.partitions()).append(" | ").append(configs).append(" |\n");
        }
        java.util.SortedSet<String> stores = new java.util.TreeSet<>();
        description.subtopologies().forEach(subtopology -> subtopology.nodes().forEach(node -> {
            if (node instanceof TopologyDescription.Processor processor) {
                processor.stores().stream().filter(store -> !store.equals(TranslationTopology.SUPPRESSION_CHANGES_STORE)).forEach(stores::add);
            }
        }));
        table.append("""

                Kafka Streams creates the changelog of each state store itself, named after `application.id`:
                """);
        for (String store : stores) {
            table.append("`").append(defaults.get("application.id")).append('-').append(store).append("-changelog`");
        }
        table.append("""
                 keeps the messageIds translated within `dedup.window` (compacted: the store deletes the expired ones, \
                which leave the changelog as tombstones); there is none with `dedup.window=0`.

                The suppression list's global table (`suppression-list`) is restored from `refiner.suppressions` itself,                 and each task's `suppression-changes` (the list's changes it made that the table may not show yet) is                 in memory without a changelog.
                """);
        check("topics.md", table.toString());
    }

    private static void check(String file, String generated) throws IOException {
        Path path = FOLDER.resolve(file);
        if (UPDATE) {
            Files.createDirectories(FOLDER);
            Files.writeString(path, generated);
            // Nothing was checked: the run shows as skipped, not as passed.
            Assumptions.abort("wrote topology/" + file);
        }
        assertThat(path).as("topology/%s is generated; run mvn test -Dtest=TopologyFilesTest -Dtopology.update=true", file).exists();
        assertThat(Files.readString(path))
                .as("topology/%s drifted from the code; run mvn test -Dtest=TopologyFilesTest -Dtopology.update=true", file)
                .isEqualTo(generated);
    }
}

package io.segmentrefiner.cli;

import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import io.segmentrefiner.topology.TopologyDiagram;
import org.apache.kafka.streams.TopologyDescription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** Prints the topology the settings describe, as Kafka Streams describes it or as a Mermaid diagram. */
@Command(name = "topology", mixinStandardHelpOptions = true,
        description = "Print the topology (its TopologyDescription, or with --mermaid a Mermaid diagram). Needs no Kafka.")
final class TopologyCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--mermaid", description = "Print a Mermaid flowchart instead of the TopologyDescription.")
    boolean mermaid;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        AppConfig settings = config.load();
        TopologyDescription description = TranslationStage.topology(settings, InMemorySchemaRegistry.scope("topology")).describe();
        spec.commandLine().getOut().print(mermaid ? TopologyDiagram.mermaid(description) : description.toString());
        spec.commandLine().getOut().flush();
        return 0;
    }
}

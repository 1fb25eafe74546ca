package io.segmentrefiner.topology;

import org.apache.kafka.streams.TopologyDescription;

import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;

/** A Mermaid flowchart of a {@link TopologyDescription}: topics as cylinders, processors as boxes, one box per sub-topology. */
public final class TopologyDiagram {

    private TopologyDiagram() {
    }

    public static String mermaid(TopologyDescription description) {
        StringBuilder out = new StringBuilder("flowchart TD\n");
        Set<String> topics = new TreeSet<>();
        StringBuilder topicEdges = new StringBuilder();
        description.subtopologies().stream().sorted(Comparator.comparingInt(TopologyDescription.Subtopology::id)).forEach(sub -> {
            out.append("  subgraph sub").append(sub.id()).append("[\"Sub-topology ").append(sub.id()).append("\"]\n");
            sub.nodes().stream().sorted(Comparator.comparing(TopologyDescription.Node::name)).forEach(node ->
                    out.append("    ").append(id(node.name())).append("[\"").append(node.name()).append("\"]\n"));
            out.append("  end\n");
            sub.nodes().stream().sorted(Comparator.comparing(TopologyDescription.Node::name)).forEach(node -> {
                node.successors().stream().sorted(Comparator.comparing(TopologyDescription.Node::name)).forEach(next ->
                        out.append("  ").append(id(node.name())).append(" --> ").append(id(next.name())).append('\n'));
                if (node instanceof TopologyDescription.Source source) {
                    source.topicSet().stream().sorted().forEach(topic -> {
                        topics.add(topic);
                        topicEdges.append("  ").append(topicId(topic)).append(" --> ").append(id(node.name())).append('\n');
                    });
                }
                if (node instanceof TopologyDescription.Sink sink && sink.topic() != null) {
                    topics.add(sink.topic());
                    topicEdges.append("  ").append(id(node.name())).append(" --> ").append(topicId(sink.topic())).append('\n');
                }
            });
        });
        topics.forEach(topic -> out.append("  ").append(topicId(topic)).append("[(\"").append(topic).append("\")]\n"));
        return out.append(topicEdges).toString();
    }

    private static String id(String name) {
        return "n_" + name.replaceAll("[^A-Za-z0-9]", "_");
    }

    private static String topicId(String topic) {
        return "t_" + topic.replaceAll("[^A-Za-z0-9]", "_");
    }
}

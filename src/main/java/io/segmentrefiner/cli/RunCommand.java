package io.segmentrefiner.cli;

import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.embedded.EmbeddedKafkaBroker;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** Runs the pipeline against the configured brokers, or on the embedded default when none are configured. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the pipeline. Without bootstrap.servers it starts an embedded single-node Kafka broker and an in-memory schema registry.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AppConfig settings = config.load();
        PrintWriter out = spec.commandLine().getOut();
        EmbeddedKafkaBroker embedded = null;
        if (settings.bootstrapServers().isEmpty()) {
            int port = settings.embeddedBrokerPort();
            embedded = EmbeddedKafkaBroker.start(port, port + 1, settings.embeddedDataDir());
            settings = settings.with(AppConfig.BOOTSTRAP_SERVERS, embedded.bootstrapServers());
            if (settings.find(AppConfig.SCHEMA_REGISTRY_URL).isEmpty()) {
                settings = settings.with(AppConfig.SCHEMA_REGISTRY_URL, AppConfig.EMBEDDED_REGISTRY_URL);
            }
            out.printf("Started an embedded Kafka broker on %s (controller on port %d, data in %s)%n",
                    embedded.bootstrapServers(), port + 1, embedded.dataDir().toAbsolutePath());
            out.printf("Schema registry: %s%n", settings.schemaRegistryUrl());
        }
        Pipeline pipeline = Pipeline.start(settings);
        out.printf("Translating %s to %s (dead letters to %s) as application %s, %s%n",
                settings.topics().input(), settings.topics().requests(), settings.topics().deadLetters(),
                settings.get("application.id"), settings.get("processing.guarantee"));
        out.flush();
        EmbeddedKafkaBroker broker = embedded;
        Thread shutdown = new Thread(() -> {
            pipeline.close();
            if (broker != null) {
                broker.close();
            }
        }, "segment-refiner-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        return pipeline.awaitStop() == KafkaStreams.State.NOT_RUNNING ? 0 : 1;
    }
}

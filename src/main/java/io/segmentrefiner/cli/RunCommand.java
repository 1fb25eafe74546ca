package io.segmentrefiner.cli;

import io.segmentrefiner.app.Application;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.app.DeliveryStage;
import io.segmentrefiner.app.GroupIds;
import io.segmentrefiner.app.RunningParts;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.delivery.DeliveryEngine;
import io.segmentrefiner.delivery.DeliveryHealth;
import io.segmentrefiner.embedded.EmbeddedKafkaBroker;
import io.segmentrefiner.health.Health;
import io.segmentrefiner.health.HealthPart;
import io.segmentrefiner.health.KafkaReachability;
import io.segmentrefiner.health.StatusServer;
import io.segmentrefiner.topology.TopicNames;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** Runs the pipeline against the configured brokers, or on the embedded default when none are configured. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the pipeline. Without bootstrap.servers it starts an embedded single-node Kafka broker, with its schema registry in a topic of that broker.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "all",
            description = "translate (Segment events to requests), deliver (requests to Refiner), or all (both; the default).")
    Application.Role role;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (Application application = Application.start(config.load(), role, spec.commandLine().getOut())) {
            return application.awaitEnd();
        }
    }
}

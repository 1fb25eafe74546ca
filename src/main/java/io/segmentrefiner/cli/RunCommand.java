package io.segmentrefiner.cli;

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

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Runs the pipeline against the configured brokers, or on the embedded default when none are configured. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the pipeline. Without bootstrap.servers it starts an embedded single-node Kafka broker, with its schema registry in a topic of that broker.")
final class RunCommand implements Callable<Integer> {

    enum Role { translate, deliver, all }

    @Mixin
    ConfigOption config;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "all",
            description = "translate (Segment events to requests), deliver (requests to Refiner), or all (both; the default).")
    Role role;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AppConfig settings = config.load();
        PrintWriter out = spec.commandLine().getOut();
        Role running = role;
        // Started in this order, stopped in the reverse one, on SIGTERM or Ctrl-C or when a stage ends.
        RunningParts parts = new RunningParts("segment-refiner-shutdown");
        if (settings.bootstrapServers().isEmpty()) {
            if (running != Role.translate && settings.find(AppConfig.REFINER_API_KEY).isEmpty()) {
                // A local trial: translate, and say plainly that nothing is sent to Refiner.
                running = Role.translate;
                out.println("Delivery is off: no refiner.api.key (REFINER_API_KEY); translating only");
            }
            int port = settings.value(AppConfig.EMBEDDED_BROKER_PORT);
            EmbeddedKafkaBroker embedded = parts.add(EmbeddedKafkaBroker.start(port, port + 1,
                    settings.value(AppConfig.EMBEDDED_DATA_DIR)));
            settings = settings.with(AppConfig.BOOTSTRAP_SERVERS, embedded.bootstrapServers());
            if (settings.find(AppConfig.SCHEMA_REGISTRY_URL).isEmpty()) {
                settings = settings.with(AppConfig.SCHEMA_REGISTRY_URL, AppConfig.EMBEDDED_REGISTRY_URL);
            }
            if (!settings.staticMembership()) {
                // One process on its own broker: a restart is the same member, and takes its partitions back at once
                // instead of waiting out the session of the one that was killed.
                settings = settings.with(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, AppConfig.EMBEDDED_INSTANCE_ID);
            }
            out.printf("Started an embedded Kafka broker on %s (controller on port %d, data in %s)%n",
                    embedded.bootstrapServers(), port + 1, embedded.dataDir().toAbsolutePath());
            out.printf("Schema registry: %s%n", settings.value(AppConfig.SCHEMA_REGISTRY_URL));
        } else if (running != Role.translate) {
            StageSettings.delivery(settings); // a missing API key ends here, before anything starts
        }
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmGcMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        List<HealthPart> reported = new ArrayList<>();
        List<CompletableFuture<?>> stages = new ArrayList<>();
        TopicNames topics = StageSettings.topics(settings);
        if (running == Role.deliver) {
            TranslationStage.createMissingTopics(settings); // TranslationStage.start does it otherwise
        } else {
            TranslationStage translation = parts.add(TranslationStage.start(settings));
            new KafkaStreamsMetrics(translation.streams()).bindTo(meters);
            reported.add(translation);
            stages.add(translation.stopped());
            out.printf("Translating %s to %s (dead letters to %s) as application %s, %s%n",
                    topics.input(), topics.requests(), topics.deadLetters(),
                    settings.get("application.id"), settings.get("processing.guarantee"));
        }
        if (running != Role.translate) {
            DeliveryEngine delivery = parts.add(DeliveryStage.start(settings, meters));
            reported.add(DeliveryStage.healthOf(delivery));
            stages.add(delivery.stopped());
            out.printf("Delivering %s (retries on %s) to %s as consumer group %s, %d in flight at most%n",
                    topics.requests(), topics.retries(), settings.get(AppConfig.REFINER_API_URL),
                    GroupIds.delivery(settings), settings.value(AppConfig.DELIVERY_MAX_IN_FLIGHT));
        }
        out.flush();
        if (settings.value(AppConfig.INGEST_ENABLED)) {
            parts.add(IngestCommand.start(settings, out));
        }
        KafkaReachability kafka = parts.add(new KafkaReachability(KafkaClientSettings.admin(settings), Duration.ofSeconds(5)));
        Health health = new Health(reported, kafka::reachable, meters);
        StatusServer status = parts.add(StatusServer.start(settings.get(AppConfig.HTTP_HOST), settings.value(AppConfig.HTTP_PORT),
                health, meters));
        out.printf("Health, readiness and metrics on http://%s:%d/health, /ready and /metrics%n", settings.get(AppConfig.HTTP_HOST), status.port());
        out.flush();
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "segment-refiner-health");
            thread.setDaemon(true);
            return thread;
        });
        watch.scheduleAtFixedRate(health::logChange, 5, 5, TimeUnit.SECONDS);
        // Whichever stops first decides: a close ends both cleanly; an error in either ends the process with status 1.
        Object end = CompletableFuture.anyOf(stages.toArray(CompletableFuture[]::new)).get();
        parts.close();
        return end == KafkaStreams.State.NOT_RUNNING || end == DeliveryHealth.STOPPED ? 0 : 1;
    }
}

package io.segmentrefiner.app;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.delivery.DeliveryEngine;
import io.segmentrefiner.delivery.DeliveryHealth;
import io.segmentrefiner.embedded.EmbeddedKafkaBroker;
import io.segmentrefiner.health.Health;
import io.segmentrefiner.health.HealthPart;
import io.segmentrefiner.health.KafkaReachability;
import io.segmentrefiner.health.ConsumerLag;
import io.segmentrefiner.health.StatusReport;
import io.segmentrefiner.health.StatusServer;
import io.segmentrefiner.deadletter.Replay;
import io.segmentrefiner.deadletter.WaitingDeadLetters;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.segmentrefiner.topology.TopicNames;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline as {@code run} runs it, in the order it starts: the embedded broker when no {@code bootstrap.servers}
 * is set, translation and delivery (as the role says), Segment's Tracking API when {@code ingest.enabled}, and the
 * status server with health, readiness and metrics. Its {@link RunningParts} stop them in the reverse order, on
 * SIGTERM or Ctrl-C or once a stage ends.
 */
public final class Application implements AutoCloseable {

    /** What an instance runs; lower case, as {@code --role} takes them. */
    public enum Role { translate, deliver, all }

    // How often a change of readiness is looked for, to be logged.
    private static final Duration READINESS_LOG_EVERY = Duration.ofSeconds(5);
    // How long the brokers may take to answer the reachability check before readiness says they do not.
    private static final Duration KAFKA_ANSWER_WAIT = Duration.ofSeconds(5);
    private static final Duration STATUS_SAMPLE_EVERY = Duration.ofSeconds(5);
    private static final Duration STATUS_KAFKA_READ_EVERY = Duration.ofSeconds(15);
    private static final Logger log = LoggerFactory.getLogger(Application.class);

    private final RunningParts parts;
    private final List<CompletableFuture<?>> stages;

    private Application(RunningParts parts, List<CompletableFuture<?>> stages) {
        this.parts = parts;
        this.stages = stages;
    }

    /** Starts what the role and the settings ask for, saying on {@code out} what runs where. */
    public static Application start(AppConfig settings, Role role, PrintWriter out) throws Exception {
        RunningParts parts = new RunningParts("segment-refiner-shutdown");
        try {
            return start(settings, role, out, parts);
        } catch (Exception | Error e) {
            parts.close(); // what had started before the failure
            throw e;
        }
    }

    private static Application start(AppConfig settings, Role role, PrintWriter out, RunningParts parts) throws Exception {
        Role running = role;
        if (settings.bootstrapServers().isEmpty()) {
            if (running != Role.translate && settings.find(AppConfig.REFINER_API_KEY).isEmpty()) {
                // A local trial: translate, and say plainly that nothing is sent to Refiner.
                running = Role.translate;
                out.println("Delivery is off: no refiner.api.key (REFINER_API_KEY); translating only");
            }
            settings = startEmbeddedBroker(settings, out, parts);
        } else if (running != Role.translate) {
            StageSettings.delivery(settings); // a missing API key ends here, before anything starts
        }
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmGcMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        Instant startedAt = Instant.now();
        List<HealthPart> reported = new ArrayList<>();
        List<CompletableFuture<?>> stages = new ArrayList<>();
        TopicNames topics = StageSettings.topics(settings);
        if (running == Role.deliver) {
            TranslationStage.createMissingTopics(settings); // TranslationStage.start does it otherwise
        } else {
            TranslationStage translation = parts.add(TranslationStage.start(settings));
            new KafkaStreamsMetrics(translation.streams()).bindTo(meters);
            translation.outcomes().bindTo(meters);
            reported.add(translation);
            stages.add(translation.stopped());
            out.printf("Translating %s to %s (dead letters to %s) as application %s, %s%n",
                    topics.input(), topics.requests(), topics.deadLetters(),
                    settings.get("application.id"), settings.get("processing.guarantee"));
        }
        Optional<DeliveryEngine> delivering = Optional.empty();
        if (running != Role.translate) {
            DeliveryEngine delivery = parts.add(DeliveryStage.start(settings, meters));
            delivering = Optional.of(delivery);
            reported.add(DeliveryStage.healthOf(delivery));
            stages.add(delivery.stopped());
            out.printf("Delivering %s (retries on %s) to %s as consumer group %s, %d in flight at most%n",
                    topics.requests(), topics.retries(), settings.get(AppConfig.REFINER_API_URL),
                    GroupIds.delivery(settings), settings.value(AppConfig.DELIVERY_MAX_IN_FLIGHT));
        }
        out.flush();
        if (settings.value(AppConfig.INGEST_ENABLED)) {
            parts.add(IngestStage.start(settings, out));
        }
        KafkaReachability kafka = parts.add(new KafkaReachability(KafkaClientSettings.admin(settings), KAFKA_ANSWER_WAIT));
        Health health = new Health(reported, kafka::reachable, meters);
        StatusServer status = parts.add(StatusServer.start(settings.get(AppConfig.HTTP_HOST), settings.value(AppConfig.HTTP_PORT), health, meters));
        status.show(statusReport(settings, running, startedAt, status.port(), health, meters, delivering, parts));
        out.printf("Health, readiness and metrics on http://%s:%d/health, /ready and /metrics%n", settings.get(AppConfig.HTTP_HOST), status.port());
        out.printf("Delivery status page on http://%s:%d/ (its data: /status.json)%n", settings.get(AppConfig.HTTP_HOST), status.port());
        out.flush();
        ScheduledExecutorService readinessLog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "segment-refiner-health");
            thread.setDaemon(true);
            return thread;
        });
        parts.add(readinessLog::shutdownNow);
        readinessLog.scheduleAtFixedRate(health::logChange, READINESS_LOG_EVERY.toMillis(), READINESS_LOG_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return new Application(parts, stages);
    }

    /**
     * The status page's report, and the thread that keeps it current: the counters sampled every 5 s, each stage's
     * lag and the dead letters waiting read every 15 s (a few admin requests and a fetch of new dead letters).
     */
    private static StatusReport statusReport(AppConfig settings, Role running, Instant startedAt, int port, Health health,
                                             PrometheusMeterRegistry meters, Optional<DeliveryEngine> delivery, RunningParts parts) {
        TopicNames topics = StageSettings.topics(settings);
        Admin admin = Admin.create(KafkaClientSettings.admin(settings));
        parts.add(() -> admin.close(Duration.ofSeconds(2)));
        ConsumerLag lag = new ConsumerLag(admin, List.of(
                new ConsumerLag.Stage("translate", GroupIds.translation(settings), topics.input()),
                new ConsumerLag.Stage("deliver", GroupIds.delivery(settings), topics.requests()),
                new ConsumerLag.Stage("retry", GroupIds.delivery(settings), topics.retries())), Clock.systemUTC());
        lag.bindTo(meters);
        WaitingDeadLetters deadLetters = parts.add(new WaitingDeadLetters(KafkaClientSettings.consumer(settings), admin,
                topics.deadLetters(), GroupIds.replay(settings, Replay.DEFAULT_CHECKPOINT)));
        deadLetters.bindTo(meters);
        List<String> roles = running == Role.all ? List.of("translate", "deliver") : List.of(running.name());
        StatusReport report = new StatusReport(new StatusReport.Instance(settings.get(StreamsConfig.APPLICATION_ID_CONFIG), Version.current(),
                startedAt, roles, hostName(), port), health, meters, delivery, Optional.of(deadLetters), lag, Clock.systemUTC());
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "segment-refiner-status");
            thread.setDaemon(true);
            return thread;
        });
        parts.add(() -> {
            // Before the dead letters' consumer closes: it is not to be closed while this thread polls it.
            sampler.shutdownNow();
            sampler.awaitTermination(10, TimeUnit.SECONDS);
        });
        sampler.scheduleAtFixedRate(() -> {
            try {
                report.sample();
            } catch (RuntimeException e) {
                log.warn("The status page could not sample the counters", e); // a throwing task would not run again
            }
        }, 0, STATUS_SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        sampler.scheduleWithFixedDelay(() -> {
            try {
                lag.refresh();
                deadLetters.refresh();
            } catch (Exception e) {
                log.debug("The dead letters waiting could not be read: {}", e.toString());
            }
        }, 0, STATUS_KAFKA_READ_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return report;
    }

    private static String hostName() {
        String fromEnvironment = System.getenv("HOSTNAME");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException unknown) {
            return "localhost";
        }
    }

    /** Starts the embedded default and returns the settings that point at it. */
    private static AppConfig startEmbeddedBroker(AppConfig settings, PrintWriter out, RunningParts parts) {
        int port = settings.value(AppConfig.EMBEDDED_BROKER_PORT);
        EmbeddedKafkaBroker embedded = parts.add(EmbeddedKafkaBroker.start(port, port + 1, settings.value(AppConfig.EMBEDDED_DATA_DIR)));
        AppConfig onEmbedded = settings.with(AppConfig.BOOTSTRAP_SERVERS, embedded.bootstrapServers());
        if (onEmbedded.find(AppConfig.SCHEMA_REGISTRY_URL).isEmpty()) {
            onEmbedded = onEmbedded.with(AppConfig.SCHEMA_REGISTRY_URL, AppConfig.EMBEDDED_REGISTRY_URL);
        }
        if (onEmbedded.find("state.dir").isEmpty()) {
            // Beside the broker's data: the state stores' local copy is kept as long as the changelogs it restores from.
            Path dataDir = settings.value(AppConfig.EMBEDDED_DATA_DIR);
            onEmbedded = onEmbedded.with("state.dir", dataDir.toAbsolutePath().resolveSibling("streams").toString());
        }
        if (!onEmbedded.staticMembership()) {
            // One process on its own broker: a restart is the same member, and takes its partitions back at once
            // instead of waiting out the session of the one that was killed.
            onEmbedded = onEmbedded.with(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, AppConfig.EMBEDDED_INSTANCE_ID);
        }
        out.printf("Started an embedded Kafka broker on %s (controller on port %d, data in %s)%n",
                embedded.bootstrapServers(), port + 1, embedded.dataDir().toAbsolutePath());
        out.printf("Schema registry: %s%n", onEmbedded.value(AppConfig.SCHEMA_REGISTRY_URL));
        return onEmbedded;
    }

    /**
     * Until a stage ends, or a signal stops them all; then everything is stopped. Whichever stage ends first decides:
     * 0 when it was stopped (a signal ends both cleanly), 1 when it ended on an error.
     */
    public int awaitEnd() throws Exception {
        Object end = CompletableFuture.anyOf(stages.toArray(CompletableFuture[]::new)).get();
        parts.close();
        return end == KafkaStreams.State.NOT_RUNNING || end == DeliveryHealth.STOPPED ? 0 : 1;
    }

    @Override
    public void close() {
        parts.close();
    }
}

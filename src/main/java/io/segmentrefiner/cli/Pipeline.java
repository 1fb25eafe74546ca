package io.segmentrefiner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.config.ConfigException;
import io.segmentrefiner.registry.ConfluentAvroSerde;
import io.segmentrefiner.registry.SchemaRegistries;
import io.segmentrefiner.registry.SchemaRegistry;
import io.segmentrefiner.topology.TopicCreator;
import io.segmentrefiner.topology.TopicDeclaration;
import io.segmentrefiner.topology.TranslationTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** The running pipeline: its topics made sure of, the topology built from the settings, Kafka Streams started. */
public final class Pipeline implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

    private final KafkaStreams streams;
    private final SchemaRegistry registry;
    private final CloseOptions.GroupMembershipOperation onClose;
    private final CompletableFuture<KafkaStreams.State> stopped = new CompletableFuture<>();

    private Pipeline(KafkaStreams streams, SchemaRegistry registry, CloseOptions.GroupMembershipOperation onClose) {
        this.streams = streams;
        this.registry = registry;
        this.onClose = onClose;
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.complete(now);
            }
        });
    }

    /** The topology the settings describe, with its request serde on the configured registry. */
    public static Topology topology(AppConfig config, SchemaRegistry registry) {
        StreamsBuilder builder = new StreamsBuilder();
        TranslationTopology.build(builder, config.topics(), config.mapping(),
                new ConfluentAvroSerde<>(registry, RefinerRequestRecord.getClassSchema()), new ObjectMapper());
        return builder.build();
    }

    public static List<TopicDeclaration> topics(AppConfig config) {
        return TopicDeclaration.pipeline(config.topics(), config.partitions());
    }

    /** Creates the declared topics that are missing; brokers that do not answer are a configuration error. */
    public static void createMissingTopics(AppConfig config) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(config.adminProperties())) {
            List<String> created = TopicCreator.createMissing(admin, topics(config), config.replicationFactor());
            if (!created.isEmpty()) {
                log.info("Created the missing topics {}", created);
            }
        } catch (TimeoutException e) {
            throw unreachable(config);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable(config);
            }
            throw e;
        }
    }

    private static ConfigException unreachable(AppConfig config) {
        return new ConfigException(AppConfig.BOOTSTRAP_SERVERS, "no broker at " + config.get(AppConfig.BOOTSTRAP_SERVERS)
                + " answered within 30 s; is the address right and the cluster up?");
    }

    /** Creates the missing topics, then starts Kafka Streams; returns once it is starting. */
    public static Pipeline start(AppConfig config) throws ExecutionException, InterruptedException, TimeoutException {
        createMissingTopics(config);
        SchemaRegistry registry = SchemaRegistries.connect(config.schemaRegistryUrl(), config.schemaRegistryUserInfo());
        KafkaStreams streams = new KafkaStreams(topology(config, registry), config.streamsProperties());
        // Data errors are dead-lettered by the handlers; what reaches here is an outage (broker, registry) or a bug.
        // Stopping visibly lets the orchestrator restart with backoff; exactly-once makes the restart safe.
        streams.setUncaughtExceptionHandler(exception -> {
            log.error("Kafka Streams stopped on an error it cannot handle: {}", exception.toString(), exception);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        // Kafka Streams stays in its group on close, so its partitions would wait out session.timeout.ms (45 s) before
        // anyone else (or the same instance, restarted) takes them over. Nothing here has state worth that wait, so a
        // close leaves at once; static members (group.instance.id) keep their membership, which is what they are for.
        CloseOptions.GroupMembershipOperation onClose = config.staticMembership()
                ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP : CloseOptions.GroupMembershipOperation.LEAVE_GROUP;
        Pipeline pipeline = new Pipeline(streams, registry, onClose);
        streams.start();
        return pipeline;
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Completes when Kafka Streams has stopped, by a close ({@code NOT_RUNNING}) or by an error ({@code ERROR}). */
    public CompletableFuture<KafkaStreams.State> stopped() {
        return stopped;
    }

    @Override
    public void close() {
        streams.close(CloseOptions.groupMembershipOperation(onClose).withTimeout(Duration.ofSeconds(30)));
        registry.close();
    }
}

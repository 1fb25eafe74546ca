package io.segmentrefiner.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.config.ConfigException;
import io.segmentrefiner.deadletter.HandledDeadLetters;
import io.segmentrefiner.health.HealthPart;
import io.segmentrefiner.registry.ConfluentAvroSerde;
import io.segmentrefiner.registry.SchemaRegistries;
import io.segmentrefiner.registry.SchemaRegistry;
import io.segmentrefiner.registry.SchemaRegistryException;
import io.segmentrefiner.topology.TopicCreator;
import io.segmentrefiner.topology.TopicDeclaration;
import io.segmentrefiner.topology.TranslationTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The running translation: its topics made sure of, the request schema registered, then Kafka Streams started.
 *
 * <p>The writer's schema is registered before any record is read, and its id is kept, so that the registry is never
 * on the path of a record: a registry that is away when translation starts makes it wait (not ready, saying why)
 * and try again with backoff, and once it has the id an outage of the registry changes nothing.
 */
public final class TranslationStage implements AutoCloseable, HealthPart {

    private static final Logger log = LoggerFactory.getLogger(TranslationStage.class);
    // A registry restart or failover takes seconds to minutes: try again soon at first, then every 30 s at most.
    private static final Duration FIRST_REGISTRY_WAIT = Duration.ofSeconds(1);
    private static final Duration LONGEST_REGISTRY_WAIT = Duration.ofSeconds(30);

    private final KafkaStreams streams;
    private final TranslationOutcomeCounters outcomes;
    private final SchemaRegistry registry;
    private final ConfluentAvroSerde<RefinerRequestRecord> requests;
    private final String requestsTopic;
    private final CloseOptions.GroupMembershipOperation onClose;
    private final CompletableFuture<KafkaStreams.State> stopped = new CompletableFuture<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean registered;
    private volatile Optional<String> waitingForRegistry = Optional.empty();
    private volatile Optional<String> refused = Optional.empty();

    private TranslationStage(KafkaStreams streams, HandledDeadLetters handledDeadLetters, SchemaRegistry registry,
                             ConfluentAvroSerde<RefinerRequestRecord> requests, String requestsTopic,
                             CloseOptions.GroupMembershipOperation onClose) {
        this.streams = streams;
        this.outcomes = new TranslationOutcomeCounters(streams::metrics, handledDeadLetters);
        this.registry = registry;
        this.requests = requests;
        this.requestsTopic = requestsTopic;
        this.onClose = onClose;
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.complete(now);
            }
        });
    }

    /** The topology the settings describe, with its request serde on the configured registry. */
    public static Topology topology(AppConfig config, SchemaRegistry registry) {
        return topology(config, requestSerde(registry));
    }

    private static Topology topology(AppConfig config, ConfluentAvroSerde<RefinerRequestRecord> requests) {
        StreamsBuilder builder = new StreamsBuilder();
        TranslationTopology.build(builder, StageSettings.topics(config), StageSettings.mapping(config), config.value(AppConfig.DEDUP_WINDOW),
                requests, new ObjectMapper());
        return builder.build();
    }

    private static ConfluentAvroSerde<RefinerRequestRecord> requestSerde(SchemaRegistry registry) {
        return new ConfluentAvroSerde<>(registry, RefinerRequestRecord.getClassSchema());
    }

    /** The registry {@code schema.registry.url} names, reached with the settings of this pipeline's Kafka clients. */
    public static SchemaRegistry schemaRegistry(AppConfig config) {
        return SchemaRegistries.connect(config.value(AppConfig.SCHEMA_REGISTRY_URL), config.schemaRegistryUserInfo(),
                KafkaClientSettings.admin(config), config.value(AppConfig.TOPICS_REPLICATION_FACTOR));
    }

    public static List<TopicDeclaration> topics(AppConfig config) {
        return TopicDeclaration.pipeline(StageSettings.topics(config), config.value(AppConfig.TOPICS_PARTITIONS));
    }

    /** Creates the declared topics that are missing; brokers that do not answer are a configuration error. */
    public static void createMissingTopics(AppConfig config) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(KafkaClientSettings.admin(config))) {
            List<String> created = TopicCreator.createMissing(admin, topics(config), config.value(AppConfig.TOPICS_REPLICATION_FACTOR));
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

    /**
     * Creates the missing topics, then registers the request schema and starts Kafka Streams on a thread of its own;
     * returns at once.
     */
    public static TranslationStage start(AppConfig config) throws ExecutionException, InterruptedException {
        createMissingTopics(config);
        SchemaRegistry registry = schemaRegistry(config);
        ConfluentAvroSerde<RefinerRequestRecord> requests = requestSerde(registry);
        Properties settings = KafkaClientSettings.streams(config);
        HandledDeadLetters handledDeadLetters = new HandledDeadLetters();
        settings.put(HandledDeadLetters.CONFIG, handledDeadLetters);
        KafkaStreams streams = new KafkaStreams(topology(config, requests), settings);
        // Data errors are dead-lettered by the handlers; what reaches here is an aborted transaction (the thread is
        // replaced), an outage the clients do not retry, or a bug (the client stops).
        streams.setUncaughtExceptionHandler(new StreamThreadFailures(Clock.systemUTC()));
        // Kafka Streams stays in its group on close, so its partitions would wait out session.timeout.ms (45 s) before
        // anyone else (or the same instance, restarted) takes them over. Nothing here has state worth that wait, so a
        // close leaves at once; static members (group.instance.id) keep their membership, which is what they are for.
        CloseOptions.GroupMembershipOperation onClose = config.staticMembership()
                ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP : CloseOptions.GroupMembershipOperation.LEAVE_GROUP;
        TranslationStage pipeline = new TranslationStage(streams, handledDeadLetters, registry, requests, StageSettings.topics(config).requests(), onClose);
        Thread starter = new Thread(pipeline::registerThenStart, "segment-refiner-translation-start");
        starter.setDaemon(true);
        starter.start();
        return pipeline;
    }

    private void registerThenStart() {
        Duration wait = FIRST_REGISTRY_WAIT;
        Optional<String> lastLogged = Optional.empty();
        while (closing.getCount() > 0) {
            try {
                int id = requests.writerSchemaId(requestsTopic);
                waitingForRegistry = Optional.empty();
                registered = true;
                if (lastLogged.isPresent()) {
                    log.info("The schema registry answered: the request schema has id {}; translation starts", id);
                }
                synchronized (this) {
                    if (closing.getCount() > 0) {
                        streams.start();
                    }
                }
                return;
            } catch (SchemaRegistryException e) {
                if (!e.retriable()) {
                    refused = Optional.of(e.getMessage());
                    log.error("The schema registry refused the request schema; translation cannot start: {}", e.getMessage());
                    stopped.complete(KafkaStreams.State.ERROR);
                    return;
                }
                waitingForRegistry = Optional.of(e.getMessage());
                if (!lastLogged.equals(waitingForRegistry)) {
                    log.warn("Translation waits for the schema registry, trying again with backoff up to every {}: {}",
                            LONGEST_REGISTRY_WAIT, e.getMessage());
                    lastLogged = waitingForRegistry;
                }
            }
            try {
                if (closing.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            wait = wait.multipliedBy(2).compareTo(LONGEST_REGISTRY_WAIT) > 0 ? LONGEST_REGISTRY_WAIT : wait.multipliedBy(2);
        }
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Translation's outcomes as counters, {@code refiner.translation.events{outcome, reason}}, kept as long as this stage. */
    TranslationOutcomeCounters outcomes() {
        return outcomes;
    }

    /**
     * Completes when translation has stopped: by a close ({@code NOT_RUNNING}), or by an error ({@code ERROR}: Kafka
     * Streams stopped, or the registry refused the request schema).
     */
    public CompletableFuture<KafkaStreams.State> stopped() {
        return stopped;
    }

    @Override
    public String name() {
        return "translation";
    }

    @Override
    public String state() {
        if (refused.isPresent()) {
            return "SCHEMA_REFUSED";
        }
        if (!registered) {
            return waitingForRegistry.isPresent() ? "WAITING_FOR_REGISTRY" : "STARTING";
        }
        return streams.state().name();
    }

    @Override
    public Optional<String> failure() {
        if (refused.isPresent()) {
            return Optional.of("the schema registry refused the request schema: " + refused.get());
        }
        KafkaStreams.State state = streams.state();
        return state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                ? Optional.of("Kafka Streams is " + state) : Optional.empty();
    }

    @Override
    public Optional<String> notReady() {
        Optional<String> failed = failure();
        if (failed.isPresent()) {
            return failed;
        }
        if (!registered) {
            return Optional.of(waitingForRegistry.map(why -> "waiting for the schema registry: " + why)
                    .orElse("registering the request schema"));
        }
        KafkaStreams.State state = streams.state();
        return state.isRunningOrRebalancing() ? Optional.empty() : Optional.of("Kafka Streams is " + state);
    }

    @Override
    public void close() {
        synchronized (this) {
            closing.countDown();
        }
        streams.close(CloseOptions.groupMembershipOperation(onClose).withTimeout(Duration.ofSeconds(30)));
        stopped.complete(KafkaStreams.State.NOT_RUNNING);
        registry.close();
    }
}

package io.segmentrefiner.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.model.ContainerNetwork;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.ContainerImages;
import io.segmentrefiner.harness.FreePorts;
import io.segmentrefiner.harness.KafkaNodeContainer;
import io.segmentrefiner.harness.RefinerStubContainer;
import io.segmentrefiner.harness.RefinerStubContainer.Delivery;
import io.segmentrefiner.harness.TopicReader;
import io.segmentrefiner.topology.TopicNames;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startables;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A three-broker KRaft cluster in containers (replication factor 3, {@code min.insync.replicas=2}) and two
 * application containers sharing the work, under the faults a cluster meets, while events arrive at a steady rate:
 * a broker killed (SIGKILL) and started again, another paused ({@code docker pause}) for 20 s, one application
 * cut from the network for 20 s (longer than its session: the group moves its partitions, and it comes back a
 * zombie that must be fenced) and the other killed. Reconciled by messageId at the stand-in: nothing lost, nothing
 * dead-lettered, duplicates counted, and the killed instance's partitions delivering again once its session expired
 * and its open transaction was aborted, and a rebalance.
 */
@ExtendWith(ContainerImages.class)
class ClusterFaultsContainerIntegrationTest {

    private static final int BROKERS = 3;
    private static final int PARTITIONS = 6;
    private static final int CONTACTS = 300;
    private static final int EVENTS_PER_SECOND = 100;
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    // A killed instance's open transaction holds its partitions (their committed offsets unstable, what it wrote
    // unreadable under read_committed) until the transaction coordinator aborts it: after transaction.timeout.ms
    // (Kafka Streams' exactly-once default, 10 s), at its next scan for timed-out transactions
    // (transaction.abort.timed.out.transaction.cleanup.interval.ms, 10 s by default), so 10 to 20 s after the kill.
    private static final Duration KILLED_TRANSACTION_ABORTED = Duration.ofSeconds(20);
    // After that: the group's rebalance, and the survivor's tasks, their restored store and the backlog delivered.
    private static final Duration REBALANCE_ALLOWANCE = Duration.ofSeconds(15);
    private static final Duration TAKEOVER_BOUND = max(SESSION_TIMEOUT, KILLED_TRANSACTION_ABORTED).plus(REBALANCE_ALLOWANCE);
    private static final Duration FAULT = Duration.ofSeconds(20);
    private static final Duration BROKER_DOWN = Duration.ofSeconds(10);
    private static final Path LOGS = Path.of("target", "cluster-faults");
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    // A bound on recovering at all, not a speed goal: CI has seen 178 s of stall after the broker kill.
    private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(5);
    private static final String CLUSTER_ID = "q1Sh-9_ISia_zwGINzRvyQ";

    private final DockerClient docker = DockerClientFactory.instance().client();
    private final Map<String, Instant> produced = new ConcurrentHashMap<>();
    private final AtomicInteger producerFailures = new AtomicInteger();
    private final AtomicReference<Throwable> producerError = new AtomicReference<>();
    private volatile boolean producing = true;

    @Test
    void aClusterUnderBrokerAndApplicationFaultsLosesNothingAndHandsOverWithinTheSessionTimeout() throws Exception {
        int[] hostPorts = IntStream.range(0, BROKERS).map(i -> FreePorts.next()).toArray();
        String bootstrap = IntStream.of(hostPorts).mapToObj(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
        try (Network network = Network.newNetwork();
             GenericContainer<?> kafka1 = broker(network, 1, hostPorts[0]);
             GenericContainer<?> kafka2 = broker(network, 2, hostPorts[1]);
             GenericContainer<?> kafka3 = broker(network, 3, hostPorts[2]);
             GenericContainer<?> registry = ContainerImages.registryContainer().withNetwork(network).withNetworkAliases("registry");
             RefinerStubContainer stub = new RefinerStubContainer().withNetwork(network).withNetworkAliases("refiner");
             GenericContainer<?> app1 = application(network, "app-1");
             GenericContainer<?> app2 = application(network, "app-2")) {
            Startables.deepStart(kafka1, kafka2, kafka3, registry, stub).join(); // a quorum of three starts together
            app1.start();
            app2.start();
            assertTopicsAreReplicatedThreeTimesWithTwoInSync(bootstrap);

            Instant start = Instant.now();
            Thread producer = new Thread(() -> produce(bootstrap, start), "steady-producer");
            producer.start();
            Map<String, Duration> recovery = new LinkedHashMap<>();
            awaitFlowing(stub, start);
            List<GenericContainer<?>> all = List.of(kafka1, kafka2, kafka3, registry, stub, app1, app2);
            try {
                Instant fault = Instant.now();
                docker.killContainerCmd(kafka2.getContainerId()).exec();
                Thread.sleep(BROKER_DOWN.toMillis()); // the fault's length, not a wait for a condition
                docker.startContainerCmd(kafka2.getContainerId()).exec();
                recovery.put("broker kafka-2 killed, started " + BROKER_DOWN.toSeconds() + " s later", awaitFlowing(stub, fault));

                fault = Instant.now();
                pause(kafka3);
                Thread.sleep(FAULT.toMillis());
                docker.unpauseContainerCmd(kafka3.getContainerId()).exec();
                recovery.put("broker kafka-3 paused for " + FAULT.toSeconds() + " s", awaitFlowing(stub, fault));

                fault = Instant.now();
                docker.disconnectFromNetworkCmd().withContainerId(app1.getContainerId()).withNetworkId(network.getId()).exec();
                Thread.sleep(FAULT.toMillis());
                docker.connectToNetworkCmd().withContainerId(app1.getContainerId()).withNetworkId(network.getId())
                        .withContainerNetwork(new ContainerNetwork().withAliases("app-1")).exec();
                recovery.put("app-1 off the network for " + FAULT.toSeconds() + " s", awaitFlowing(stub, fault));

                fault = Instant.now();
                docker.killContainerCmd(app2.getContainerId()).exec();
                Duration takeover = awaitFlowing(stub, fault);
                recovery.put("app-2 killed", takeover);
                assertThat(takeover).as("app-2's partitions delivering again after its SIGKILL: once its session (%s) expired "
                        + "and its open transaction was aborted (%s), and a rebalance", SESSION_TIMEOUT, KILLED_TRANSACTION_ABORTED)
                        .isLessThanOrEqualTo(TAKEOVER_BOUND);

                producing = false;
                producer.join(TIMEOUT.toMillis());
                assertThat(producerError.get()).as("the test's own producer").isNull();
                assertThat(producerFailures.get()).as("events the test could not produce").isZero();
                Set<String> expected = Set.copyOf(produced.keySet());
                Await.until("every produced event delivered", TIMEOUT,
                        () -> stub.delivered().stream().map(Delivery::idempotencyKey).collect(Collectors.toSet()).containsAll(expected));

                List<Delivery> delivered = stub.delivered();
                Set<String> distinct = delivered.stream().map(Delivery::idempotencyKey).collect(Collectors.toSet());
                System.out.printf("cluster under faults: %d events, %d deliveries, %d distinct, %d duplicates%n",
                        expected.size(), delivered.size(), distinct.size(), delivered.size() - distinct.size());

                assertThat(distinct).as("nothing delivered that was not produced").isEqualTo(expected);
                assertThat(TopicReader.countCommitted(bootstrap, TopicNames.DEFAULTS.deadLetters())).as("dead letters").isZero();
            } finally {
                producing = false;
                producer.join(TIMEOUT.toMillis());
                recovery.forEach((fault, took) -> System.out.printf("  %-48s every partition delivering again %.1f s after it began%n",
                        fault, took.toMillis() / 1e3));
                keepLogs(all);
            }
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Node {@code id} of the cluster, broker and controller: kafka-ID:9092 in the network, 127.0.0.1:hostPort for the test. */
    private static GenericContainer<?> broker(Network network, int id, int hostPort) {
        String voters = IntStream.rangeClosed(1, BROKERS).mapToObj(n -> n + "@kafka-" + n + ":9093").collect(Collectors.joining(","));
        return KafkaNodeContainer.of(network, "kafka-" + id, id, voters, hostPort, BROKERS)
                .withEnv("CLUSTER_ID", CLUSTER_ID)
                .withEnv("KAFKA_DEFAULT_REPLICATION_FACTOR", Integer.toString(BROKERS))
                .withEnv("KAFKA_MIN_INSYNC_REPLICAS", "2")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_HEAP_OPTS", "-Xmx384m -Xms384m");
    }

    private static GenericContainer<?> application(Network network, String name) {
        return new GenericContainer<>(ContainerImages.application())
                .withNetwork(network)
                .withNetworkAliases(name)
                .withCommand("run", "--role", "all")
                .withEnv(Map.ofEntries(
                        Map.entry("BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092,kafka-3:9092"),
                        Map.entry("SCHEMA_REGISTRY_URL", "http://registry:8080" + ContainerImages.REGISTRY_API),
                        Map.entry("REFINER_API_URL", RefinerStubContainer.urlOn("refiner")),
                        Map.entry("REFINER_API_KEY", "rk_cluster_test"),
                        Map.entry("APPLICATION_ID", "cluster"),
                        Map.entry("TOPICS_PARTITIONS", Integer.toString(PARTITIONS)),
                        Map.entry("TOPICS_REPLICATION_FACTOR", "3"),
                        Map.entry("SESSION_TIMEOUT_MS", Long.toString(SESSION_TIMEOUT.toMillis())),
                        Map.entry("HTTP_PORT", "8080")))
                .withExposedPorts(8080)
                .waitingFor(Wait.forHttp("/ready").forPort(8080).forStatusCode(200).withStartupTimeout(TIMEOUT));
    }

    private static void assertTopicsAreReplicatedThreeTimesWithTwoInSync(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicNames names = TopicNames.DEFAULTS;
            List<String> topics = List.of(names.input(), names.requests(), names.retries(), names.deadLetters());
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get();
            described.values().forEach(topic -> assertThat(topic.partitions()).allSatisfy(partition ->
                    assertThat(partition.replicas()).as(topic.name()).hasSize(3)));
            List<ConfigResource> resources = topics.stream().map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic)).toList();
            admin.describeConfigs(resources).all().get().forEach((topic, config) ->
                    assertThat(config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value()).as(topic.name()).isEqualTo("2"));
        }
    }

    /** Track events at a steady rate until told to stop, each contact's on its partition, each remembered with the time it was sent. */
    private void produce(String bootstrap, Instant start) {
        // A short request timeout: a paused broker holds the test's own requests 5 s, not the default 30 s, so that
        // the stalls measured are the pipeline's.
        Map<String, Object> settings = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis(),
                ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(settings, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; producing; i++) {
                long wait = start.toEpochMilli() + i * 1000L / EVENTS_PER_SECOND - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait); // the producer's pace, not a wait for a condition
                }
                String user = "user-" + i % CONTACTS;
                String messageId = "cluster-" + i;
                produced.put(messageId, Instant.now());
                producer.send(new ProducerRecord<>(TopicNames.DEFAULTS.input(), user, "{\"type\":\"track\",\"messageId\":\"" + messageId
                        + "\",\"userId\":\"" + user + "\",\"event\":\"Step " + i + "\"}"), (metadata, error) -> {
                    if (error != null) {
                        producerFailures.incrementAndGet();
                    }
                });
            }
            producer.flush();
        } catch (Throwable e) {
            producerError.set(e);
        }
    }

    /**
     * {@code docker pause}, tried again while the engine answers "unable to freeze": the cgroup freezer gives up when
     * a process of the container is in uninterruptible I/O (a broker's fsync) at that moment, and thaws it again.
     */
    private void pause(GenericContainer<?> container) {
        Await.until("the cgroup freezer to freeze " + container.getContainerId(), Duration.ofSeconds(30), () -> {
            try {
                docker.pauseContainerCmd(container.getContainerId()).exec();
                return true;
            } catch (InternalServerErrorException notFrozen) {
                return false;
            }
        });
    }

    /** Every container's log under target/cluster-faults, for whoever reads a failure. */
    private static void keepLogs(List<GenericContainer<?>> containers) {
        try {
            Files.createDirectories(LOGS);
            for (GenericContainer<?> container : containers) {
                String name = container.getNetworkAliases().stream().filter(alias -> !alias.startsWith("tc-")).findFirst()
                        .orElse(container.getContainerId());
                Files.writeString(LOGS.resolve(name + ".log"), container.getLogs());
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("Could not keep the containers' logs: " + e);
        }
    }

    /**
     * Waits until every input partition has delivered an event produced after {@code since}: the pipeline flows on
     * each again.
     *
     * @return how long after {@code since} the last partition did
     */
    private Duration awaitFlowing(RefinerStubContainer stub, Instant since) {
        return Await.until("every partition delivering events produced after " + since, RECOVERY_TIMEOUT, () -> {
            Set<Integer> flowing = new HashSet<>();
            List<Instant> firsts = new ArrayList<>();
            for (Delivery delivery : stub.delivered()) {
                Instant sent = produced.get(delivery.idempotencyKey());
                if (sent != null && sent.isAfter(since) && flowing.add(partitionOf(delivery.idempotencyKey()))) {
                    firsts.add(delivery.at());
                }
            }
            return flowing.size() == PARTITIONS ? Duration.between(since, firsts.stream().max(Instant::compareTo).orElseThrow()) : null;
        });
    }

    /** The input partition of an event: its contact's, as Kafka's default partitioner places a keyed record. */
    private static int partitionOf(String messageId) {
        int event = Integer.parseInt(messageId.substring("cluster-".length()));
        byte[] key = ("user-" + event % CONTACTS).getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % PARTITIONS;
    }
}

package io.segmentrefiner.harness;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;

import java.time.Duration;
import java.util.Map;

/**
 * A KRaft node in a container, broker and controller, of {@link ContainerImages#kafkaImage()}: {@code alias:9092}
 * for containers on the network, {@code 127.0.0.1:hostPort} for the test (the same port inside and out, published
 * on loopback only), its controller on {@code alias:9093}.
 */
public final class KafkaNodeContainer {

    private KafkaNodeContainer() {
    }

    /**
     * @param voters the quorum, {@code 1@kafka-1:9093,...}
     * @param replication the replication factor of the internal topics, and the in-sync minimum of transactions' (1 alone, 2 above)
     */
    public static GenericContainer<?> of(Network network, String alias, int nodeId, String voters, int hostPort, int replication) {
        return ContainerImages.kafkaContainer()
                .withNetwork(network)
                .withNetworkAliases(alias)
                .withEnv(Map.ofEntries(
                        Map.entry("KAFKA_NODE_ID", Integer.toString(nodeId)),
                        Map.entry("KAFKA_PROCESS_ROLES", "broker,controller"),
                        Map.entry("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093,HOST://:" + hostPort),
                        Map.entry("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://" + alias + ":9092,HOST://127.0.0.1:" + hostPort),
                        Map.entry("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER"),
                        Map.entry("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,HOST:PLAINTEXT"),
                        Map.entry("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT"),
                        Map.entry("KAFKA_CONTROLLER_QUORUM_VOTERS", voters),
                        Map.entry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", Integer.toString(replication)),
                        Map.entry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", Integer.toString(replication)),
                        Map.entry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", replication == 1 ? "1" : "2"),
                        Map.entry("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")))
                .withCreateContainerCmdModifier(create -> create.withExposedPorts(ExposedPort.tcp(hostPort)).getHostConfig()
                        .withPortBindings(new PortBinding(Ports.Binding.bindIpAndPort("127.0.0.1", hostPort), ExposedPort.tcp(hostPort))))
                .waitingFor(Wait.forLogMessage(".*Kafka Server started.*\\n", 1).withStartupTimeout(Duration.ofMinutes(3)));
    }
}

package io.segmentrefiner.docker;

import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.ContainerImages;
import io.segmentrefiner.harness.FreePorts;
import io.segmentrefiner.harness.KafkaNodeContainer;
import io.segmentrefiner.harness.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The project's image beside a Kafka broker in a container, on a network the test made, with its schemas in a topic
 * of that broker ({@code kafka://_schemas}): events produced from the host are translated inside the network. The
 * broker is apache/kafka, or docker/kafka's image made from Kafka's jars where that cannot be pulled.
 */
@ExtendWith(ContainerImages.class)
class ImageOnKafkaContainerIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final int EVENTS = 500;

    @Test
    void eventsProducedFromTheHostAreTranslatedByTheImageOnTheTestsNetwork() throws Exception {
        int hostPort = FreePorts.next();
        try (Network network = Network.newNetwork();
             GenericContainer<?> kafka = broker(network, hostPort);
             GenericContainer<?> app = new GenericContainer<>(ContainerImages.application())
                     .withNetwork(network)
                     .withCommand("run", "--role", "translate")
                     .withEnv(Map.of(
                             "BOOTSTRAP_SERVERS", "kafka:9092",
                             "SCHEMA_REGISTRY_URL", AppConfig.EMBEDDED_REGISTRY_URL,
                             "APPLICATION_ID", "image-on-kafka",
                             "TOPICS_PARTITIONS", "3",
                             "HTTP_PORT", "8080"))
                     .withExposedPorts(8080)
                     .waitingFor(Wait.forHttp("/ready").forPort(8080).forStatusCode(200).withStartupTimeout(TIMEOUT))) {
            kafka.start();
            app.start();
            String bootstrap = "127.0.0.1:" + hostPort;
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < EVENTS; i++) {
                    producer.send(new ProducerRecord<>("segment.events", "user-" + i % 50, "{\"type\":\"track\",\"messageId\":\"k-" + i
                            + "\",\"userId\":\"user-" + i % 50 + "\",\"event\":\"Step " + i + "\"}"));
                }
                producer.flush();
            }

            List<ConsumerRecord<String, byte[]>> requests = TopicReader.read(bootstrap, "refiner.requests", EVENTS, TIMEOUT,
                    new StringDeserializer(), new ByteArrayDeserializer());
            Set<String> contacts = requests.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
            assertThat(requests).hasSize(EVENTS);
            assertThat(contacts).isEqualTo(IntStream.range(0, 50).mapToObj(i -> "user-" + i).collect(Collectors.toSet()));
            assertThat(requests.get(0).value()[0]).as("Confluent wire format").isZero();
            assertThat(TopicReader.countCommitted(bootstrap, "refiner.dlq")).isZero();
        }
    }

    /** One KRaft node; clients in the network use kafka:9092, the test 127.0.0.1:hostPort. */
    private static GenericContainer<?> broker(Network network, int hostPort) {
        return KafkaNodeContainer.of(network, "kafka", 1, "1@localhost:9093", hostPort, 1);
    }
}

package io.segmentrefiner.docker;

import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.ContainerImages;
import io.segmentrefiner.harness.FreePorts;
import io.segmentrefiner.harness.RefinerStubContainer;
import io.segmentrefiner.harness.RefinerStubContainer.Delivery;
import io.segmentrefiner.topology.TopicNames;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.ContainerState;
import org.testcontainers.containers.DockerComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker/compose.yaml as a user brings it up ({@code docker-compose up --build}, through Testcontainers' compose
 * support and the machine's docker-compose), with its images and published ports given by environment variables:
 * the application answers {@code /ready} on its published port, and events produced from the host to the
 * published broker port reach a Refiner stand-in that the test joins to the compose network.
 */
@ExtendWith(ContainerImages.class)
class ComposeContainerIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final int EVENTS = 300;
    private static final String STAND_IN = "refiner-stand-in";

    @Test
    void composeUpAnswersReadyAndDeliversEventsProducedFromTheHost() throws Exception {
        ContainerImages.assumeDockerCompose();
        int kafkaPort = FreePorts.next();
        int registryPort = FreePorts.next();
        int appPort = FreePorts.next();
        Map<String, String> environment = Map.of(
                "KAFKA_IMAGE", ContainerImages.kafkaImage().get(),
                "REGISTRY_IMAGE", ContainerImages.registryImage().get(),
                "RUNTIME_IMAGE", ContainerImages.RUNTIME_IMAGE,
                "KAFKA_HOST_PORT", Integer.toString(kafkaPort),
                "REGISTRY_HOST_PORT", Integer.toString(registryPort),
                "SEGMENT_REFINER_HOST_PORT", Integer.toString(appPort),
                "REFINER_API_KEY", "rk_compose_test",
                "REFINER_API_URL", RefinerStubContainer.urlOn(STAND_IN));
        try (DockerComposeContainer<?> compose = new DockerComposeContainer<>(new File("docker/compose.yaml"))
                .withLocalCompose(true)
                .withBuild(true)
                .withPull(false)
                .withEnv(environment)
                .withRemoveImages(DockerComposeContainer.RemoveImages.LOCAL)
                .waitingFor("segment-refiner", Wait.forHealthcheck().withStartupTimeout(TIMEOUT))) {
            compose.start();
            assertThat(readyStatus(appPort)).as("/ready on the published port").isEqualTo(200);

            // The stand-in joins the compose network as its only one: a container on two networks may route its
            // answers to the host through the other one (Docker picks the default route by the networks' names).
            ContainerState app = compose.getContainerByServiceName("segment-refiner").orElseThrow();
            String network = app.getContainerInfo().getNetworkSettings().getNetworks().keySet().iterator().next();
            // It stops before compose down, which removes the network only once nothing else is attached.
            try (RefinerStubContainer stub = new RefinerStubContainer().withNetworkMode(network)
                    .withCreateContainerCmdModifier(create -> create.withAliases(STAND_IN))) {
                stub.start();
                Set<String> messageIds = IntStream.range(0, EVENTS).mapToObj(i -> "compose-" + i).collect(Collectors.toSet());
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        "127.0.0.1:" + kafkaPort, ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
                    for (int i = 0; i < EVENTS; i++) {
                        String user = "user-" + i % 30;
                        producer.send(new ProducerRecord<>(TopicNames.DEFAULTS.input(), user, "{\"type\":\"track\",\"messageId\":\"compose-" + i
                                + "\",\"userId\":\"" + user + "\",\"event\":\"Step " + i + "\"}"));
                    }
                    producer.flush();
                }

                Await.until("every event delivered to the stand-in", TIMEOUT,
                        () -> stub.delivered().stream().map(Delivery::idempotencyKey).collect(Collectors.toSet()).containsAll(messageIds));
                assertThat(stub.delivered()).allSatisfy(delivery -> assertThat(delivery.method() + " " + delivery.path())
                        .isEqualTo("POST /v1/track-event"));
                assertThat(stub.delivered().stream().map(Delivery::idempotencyKey).collect(Collectors.toSet())).isEqualTo(messageIds);
            }
        }
    }

    private static int readyStatus(int port) throws Exception {
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).timeout(Duration.ofSeconds(5)).build();
        return HttpClient.newHttpClient().send(ready, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}

package io.segmentrefiner.docker;

import com.github.dockerjava.api.DockerClient;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.ApicurioRegistryProcess;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.ContainerImages;
import io.segmentrefiner.harness.FreePorts;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RefinerStub.Answer;
import io.segmentrefiner.harness.TopicReader;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The project's image as its users run it: built from docker/Dockerfile and the packaged jar, started against a real
 * broker and a real registry, delivering to a Refiner stand-in, and stopped with {@code docker stop}. The container
 * shares the host's network, so it reaches the broker, Apicurio and the stand-in on 127.0.0.1.
 */
@ExtendWith({ContainerImages.class, RealInfrastructure.class})
class ImageContainerIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final int EVENTS = 3_000;
    private static final int GRACE_SECONDS = 10; // docker stop's default

    @Test
    void demoInTheImageExitsZeroWithItsReport() {
        try (GenericContainer<?> demo = new GenericContainer<>(ContainerImages.application()).withCommand("demo")
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(TIMEOUT))) {
            demo.start(); // a one-shot container starts only when it exits 0

            assertThat(demo.getLogs()).contains("POST /v1/track-event").contains("Idempotency-Key");
        }
    }

    @Test
    void theImageDeliversAndOnDockerStopFinishesWhatIsInFlightWithNothingLost(KafkaBrokerProcess broker, ApicurioRegistryProcess registry)
            throws Exception {
        try (RefinerStub stub = RefinerStub.start()) {
            // Slow answers keep the 64 slots full: docker stop lands with requests in flight.
            stub.answer(request -> Answer.ok().after(Duration.ofMillis(100)));
            Map<String, String> settings = PipelineSettings.forRun("image", broker, registry.url(), stub.url(), "rk_image_test");
            settings.remove("state.dir"); // the image's own, inside the container
            AppConfig config = AppConfig.of(settings);

            long exitCode;
            try (GenericContainer<?> first = application(settings)) {
                first.start();
                awaitReady(first);
                produce(broker, config);
                Await.until("a fifth delivered", TIMEOUT, () -> distinct(stub) >= EVENTS / 5);

                DockerClient docker = first.getDockerClient();
                long stopping = System.nanoTime();
                docker.stopContainerCmd(first.getContainerId()).withTimeout(GRACE_SECONDS).exec();
                double seconds = (System.nanoTime() - stopping) / 1e9;
                exitCode = docker.inspectContainerCmd(first.getContainerId()).exec().getState().getExitCodeLong();
                System.out.printf("docker stop took %.1f s, %d of %d delivered by then%n", seconds, distinct(stub), EVENTS);

                assertThat(exitCode).as("ended by SIGTERM after a clean close (137 would be the kill after the grace period), "
                        + "in %.1f s; its log:%n%s", seconds, first.getLogs()).isEqualTo(143);
                assertThat(first.getLogs()).contains("Streams client stopped completely");
            }
            assertThat(distinct(stub)).as("stopped before the end, so that the next one has work").isLessThan(EVENTS);

            try (GenericContainer<?> second = application(settings)) {
                second.start();
                Await.until("every event delivered", TIMEOUT, () -> distinct(stub) >= EVENTS);
            }
            assertThat(stub.delivered()).as("nothing the first one had in flight or delivered was sent again").hasSize(EVENTS);
            assertThat(TopicReader.countCommitted(broker.bootstrapServers(), StageSettings.topics(config).deadLetters())).isZero();
        }
    }

    private static GenericContainer<?> application(Map<String, String> settings) {
        Map<String, String> environment = new HashMap<>();
        settings.forEach((key, value) -> environment.put(AppConfig.environmentVariable(key), value));
        environment.put(AppConfig.environmentVariable(AppConfig.HTTP_PORT.key()), Integer.toString(FreePorts.next()));
        environment.put(AppConfig.environmentVariable(AppConfig.HTTP_HOST.key()), "127.0.0.1");
        return new GenericContainer<>(ContainerImages.application())
                .withNetworkMode("host")
                .withEnv(environment)
                .waitingFor(Wait.forLogMessage("Delivering .*\\n", 1).withStartupTimeout(TIMEOUT));
    }

    private static void awaitReady(GenericContainer<?> container) {
        URI ready = URI.create("http://127.0.0.1:" + container.getEnvMap().get(AppConfig.environmentVariable(AppConfig.HTTP_PORT.key())) + "/ready");
        HttpClient http = HttpClient.newHttpClient();
        Await.until("/ready to answer 200", TIMEOUT, () -> {
            try {
                return http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (java.io.IOException notYet) {
                return false;
            }
        });
    }

    private static void produce(KafkaBrokerProcess broker, AppConfig config) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < EVENTS; i++) {
                String user = "user-" + (i % 300);
                producer.send(new ProducerRecord<>(StageSettings.topics(config).input(), user, "{\"type\":\"track\",\"messageId\":\"image-" + i
                        + "\",\"userId\":\"" + user + "\",\"event\":\"Step " + i + "\"}"));
            }
            producer.flush();
        }
    }

    private static int distinct(RefinerStub stub) {
        Set<String> keys = stub.delivered().stream().map(RefinerStub.Received::idempotencyKey).collect(Collectors.toSet());
        return keys.size();
    }
}

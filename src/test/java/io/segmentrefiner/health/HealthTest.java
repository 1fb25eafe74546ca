package io.segmentrefiner.health;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.cli.Pipeline;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class HealthTest {

    @Test
    void aStreamThatIsNotRunningIsNotReadyButLiveAndTheGaugeSaysSo() {
        AppConfig config = AppConfig.of(Map.of(AppConfig.BOOTSTRAP_SERVERS, "127.0.0.1:1"));
        Properties properties = config.streamsProperties();
        properties.put("state.dir", RealInfrastructure.workDir("health-test").toString());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (KafkaStreams streams = new KafkaStreams(Pipeline.topology(config, InMemorySchemaRegistry.scope("health-test")), properties)) {
            Health health = new Health(Optional.of(streams), Optional.empty(), () -> true, meters);

            assertThat(health.notReady()).containsExactly("translation: Kafka Streams is CREATED");
            assertThat(health.notLive()).isEmpty();
            assertThat(meters.get("segment.refiner.ready").gauge().value()).isZero();

            streams.close(Duration.ofSeconds(5));
            assertThat(health.notReady()).containsExactly("translation: Kafka Streams is NOT_RUNNING");
        }
    }

    @Test
    void unreachableBrokersMakeItNotReady() {
        AtomicBoolean reachable = new AtomicBoolean(true);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Health health = new Health(Optional.empty(), Optional.empty(), reachable::get, meters);
        assertThat(health.notReady()).isEmpty();
        assertThat(meters.get("segment.refiner.ready").gauge().value()).isEqualTo(1.0);

        reachable.set(false);

        assertThat(health.notReady()).containsExactly("kafka: the brokers do not answer");
        assertThat(health.parts()).containsEntry("kafka", "UNREACHABLE");
        assertThat(health.notLive()).as("a broker outage is no reason to restart the application").isEmpty();
    }
}

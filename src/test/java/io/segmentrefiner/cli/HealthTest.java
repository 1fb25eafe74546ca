package io.segmentrefiner.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class HealthTest {

    @Test
    void aStreamThatIsNotRunningIsUnhealthyAndTheGaugeSaysSo() {
        AppConfig config = AppConfig.of(Map.of(AppConfig.BOOTSTRAP_SERVERS, "127.0.0.1:1"));
        Properties properties = config.streamsProperties();
        properties.put("state.dir", System.getProperty("java.io.tmpdir") + "/health-test-" + ProcessHandle.current().pid());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (KafkaStreams streams = new KafkaStreams(Pipeline.topology(config, InMemorySchemaRegistry.scope("health-test")), properties)) {
            Health health = new Health(Optional.of(streams), Optional.empty(), meters);

            assertThat(health.problems()).containsExactly("translation: Kafka Streams is CREATED");
            assertThat(meters.get("segment.refiner.healthy").gauge().value()).isZero();

            streams.close(Duration.ofSeconds(5));
            assertThat(health.problems()).containsExactly("translation: Kafka Streams is NOT_RUNNING");
        }
    }

    @Test
    void nothingRunningThatCanFailIsHealthy() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();

        Health health = new Health(Optional.empty(), Optional.empty(), meters);

        assertThat(health.problems()).isEmpty();
        assertThat(meters.get("segment.refiner.healthy").gauge().value()).isEqualTo(1.0);
    }
}

package io.segmentrefiner.topology;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.refiner.MappingSettings;
import io.segmentrefiner.registry.ConfluentAvroSerde;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;

/**
 * The translation topology in a {@link TopologyTestDriver}, with the default topics, the project's Streams settings,
 * requests in Avro on an in-memory registry of its own, and the input, requests, dead-letter and suppression topics
 * to drive it (the suppression topic both as what translation writes and as the list an operator writes to).
 */
record TranslationUnderTest(Topology topology, TopologyTestDriver driver, TestInputTopic<byte[], byte[]> input,
                            TestOutputTopic<String, RefinerRequestRecord> requests, TestOutputTopic<byte[], byte[]> deadLetters,
                            TestOutputTopic<String, String> suppressionChanges, TestInputTopic<String, String> suppressionList,
                            String registryScope) implements AutoCloseable {

    /** @param firstRecordTime the timestamp of records piped without one; each later one has the same */
    static TranslationUnderTest start(MappingSettings mapping, Duration dedupWindow, String registryScope, Instant firstRecordTime) {
        InMemorySchemaRegistry.drop(registryScope);
        ConfluentAvroSerde<RefinerRequestRecord> serde =
                new ConfluentAvroSerde<>(InMemorySchemaRegistry.scope(registryScope), RefinerRequestRecord.getClassSchema());
        StreamsBuilder builder = new StreamsBuilder();
        TranslationTopology.build(builder, TopicNames.DEFAULTS, mapping, dedupWindow, serde, new ObjectMapper());
        Topology topology = builder.build();
        Properties properties = KafkaClientSettings.streams(AppConfig.of(Map.of("bootstrap.servers", "127.0.0.1:1")));
        properties.put(StreamsConfig.STATE_DIR_CONFIG, RealInfrastructure.workDir("ttd").toString());
        TopologyTestDriver driver = new TopologyTestDriver(topology, properties);
        return new TranslationUnderTest(topology, driver,
                driver.createInputTopic(TopicNames.DEFAULTS.input(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(),
                        firstRecordTime, Duration.ZERO),
                driver.createOutputTopic(TopicNames.DEFAULTS.requests(), Serdes.String().deserializer(), serde.deserializer()),
                driver.createOutputTopic(TopicNames.DEFAULTS.deadLetters(), Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer()),
                driver.createOutputTopic(TopicNames.DEFAULTS.suppressions(), Serdes.String().deserializer(), Serdes.String().deserializer()),
                driver.createInputTopic(TopicNames.DEFAULTS.suppressions(), Serdes.String().serializer(), Serdes.String().serializer()),
                registryScope);
    }

    @Override
    public void close() {
        driver.close();
        InMemorySchemaRegistry.drop(registryScope);
    }
}

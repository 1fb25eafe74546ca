package io.segmentrefiner.deadletter;

import io.segmentrefiner.refiner.Reason;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.refiner.MappingSettings;
import io.segmentrefiner.registry.ConfluentAvroSerde;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import io.segmentrefiner.registry.SchemaRegistryException;
import io.segmentrefiner.topology.TopicNames;
import io.segmentrefiner.topology.TranslationTopology;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Kafka Streams' own handlers, configured as the application configures them, on a test driver. */
class DeadLetteringExceptionHandlersTest {

    private static final String SCOPE = "handlers-test";
    private TopologyTestDriver driver;

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
        InMemorySchemaRegistry.drop(SCOPE);
    }

    private final HandledDeadLetters handled = new HandledDeadLetters();

    private TestInputTopic<byte[], byte[]> start(Topology topology) {
        Properties properties = KafkaClientSettings.streams(AppConfig.of(Map.of("bootstrap.servers", "127.0.0.1:1")));
        properties.put(HandledDeadLetters.CONFIG, handled); // as TranslationStage hands it to the handlers
        properties.put(StreamsConfig.STATE_DIR_CONFIG, RealInfrastructure.workDir("ttd-handlers").toString());
        driver = new TopologyTestDriver(topology, properties);
        return driver.createInputTopic("segment.events", Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
    }

    private TestOutputTopic<byte[], byte[]> deadLetters() {
        return driver.createOutputTopic("refiner.dlq", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(Headers headers, String name) {
        return TextHeaders.read(headers, name).orElse(null);
    }

    @Test
    void anExceptionInAProcessorDeadLettersTheInputRecordAndProcessingGoesOn() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("segment.events", Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .mapValues(value -> {
                    if (new String(value, StandardCharsets.UTF_8).equals("poison")) {
                        throw new IllegalStateException("a bug met a poison record");
                    }
                    return value;
                })
                .to("out", Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        TestInputTopic<byte[], byte[]> input = start(builder.build());

        input.pipeInput(bytes("k-1"), bytes("poison"));
        input.pipeInput(bytes("k-2"), bytes("fine"));

        TestRecord<byte[], byte[]> deadLetter = deadLetters().readRecord();
        assertThat(deadLetter.key()).isEqualTo(bytes("k-1"));
        assertThat(deadLetter.value()).isEqualTo(bytes("poison"));
        assertThat(header(deadLetter.headers(), DeadLetterHeaders.STAGE)).isEqualTo("translate");
        assertThat(header(deadLetter.headers(), DeadLetterHeaders.REASON)).isEqualTo("PROCESSING_ERROR");
        assertThat(header(deadLetter.headers(), DeadLetterHeaders.MESSAGE)).contains("a bug met a poison record");
        assertThat(header(deadLetter.headers(), DeadLetterHeaders.ORIGIN_TOPIC)).isEqualTo("segment.events");
        assertThat(header(deadLetter.headers(), DeadLetterHeaders.ORIGIN_OFFSET)).isEqualTo("0");
        assertThat(deadLetter.headers().lastHeader("__streams.errors.exception")).isNotNull();
        assertThat(driver.createOutputTopic("out", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer())
                .readValuesToList()).containsExactly(bytes("fine"));
        assertThat(handled.count(Reason.PROCESSING_ERROR)).as("counted for refiner_translation_events_total").isEqualTo(1);
    }

    @Test
    void aRequestThatCannotBeSerializedIsDeadLetteredWithTheSourceEvent() {
        TestInputTopic<byte[], byte[]> input = start(translationWith(serializer -> (topic, value) -> {
            if ("poison".equals(value.getMessageId())) {
                throw new SerializationException("cannot write this one");
            }
            return serializer.serialize(topic, value);
        }));
        String poison = "{\"type\":\"track\",\"messageId\":\"poison\",\"userId\":\"u\",\"event\":\"E\"}";

        input.pipeInput(bytes("k"), bytes(poison));
        input.pipeInput(bytes("k"), bytes("{\"type\":\"track\",\"messageId\":\"fine\",\"userId\":\"u\",\"event\":\"E\"}"));

        TestRecord<byte[], byte[]> deadLetter = deadLetters().readRecord();
        assertThat(deadLetter.value()).isEqualTo(bytes(poison));
        assertThat(header(deadLetter.headers(), DeadLetterHeaders.REASON)).isEqualTo("SERIALIZATION_ERROR");
        assertThat(handled.count(Reason.SERIALIZATION_ERROR)).isEqualTo(1);
        assertThat(handled.count(Reason.PROCESSING_ERROR)).isZero();
        assertThat(driver.createOutputTopic("refiner.requests", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer())
                .getQueueSize()).isEqualTo(1);
    }

    @Test
    void anUnreachableRegistryStopsTheApplicationInsteadOfDeadLetteringEverything() {
        TestInputTopic<byte[], byte[]> input = start(translationWith(serializer -> (topic, value) -> {
            throw new SerializationException("cannot register",
                    new SchemaRegistryException("Schema registry at [http://127.0.0.1:1] could not be reached", 0, true, null));
        }));

        assertThatThrownBy(() -> input.pipeInput(bytes("k"), bytes("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\"}")))
                .isInstanceOf(StreamsException.class);
        assertThat(deadLetters().isEmpty()).isTrue();
    }

    private static Topology translationWith(Function<Serializer<RefinerRequestRecord>, Serializer<RefinerRequestRecord>> wrap) {
        ConfluentAvroSerde<RefinerRequestRecord> avro =
                new ConfluentAvroSerde<>(InMemorySchemaRegistry.scope(SCOPE), RefinerRequestRecord.getClassSchema());
        Serde<RefinerRequestRecord> serde = Serdes.serdeFrom(wrap.apply(avro.serializer()), avro.deserializer());
        StreamsBuilder builder = new StreamsBuilder();
        TranslationTopology.build(builder, TopicNames.DEFAULTS, MappingSettings.DEFAULTS, java.time.Duration.ofHours(24), serde, new ObjectMapper());
        return builder.build();
    }
}

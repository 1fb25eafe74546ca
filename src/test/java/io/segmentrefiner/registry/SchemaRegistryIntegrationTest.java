package io.segmentrefiner.registry;

import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.harness.ApicurioRegistryProcess;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RequestRecords;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The registry client against a real Confluent-compatible registry (Apicurio's ccompat API). */
@ExtendWith(RealInfrastructure.class)
class SchemaRegistryIntegrationTest {

    private String url;
    private HttpSchemaRegistry registry;
    private String subject;

    @BeforeEach
    void connect(ApicurioRegistryProcess apicurio) {
        url = apicurio.url();
        registry = HttpSchemaRegistry.connect(url, Optional.empty());
        subject = "requests-" + UUID.randomUUID() + "-value";
    }

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    void registersTheRequestSchemaOnceAndFindsItById() {
        Schema schema = RefinerRequestRecord.getClassSchema();

        int id = registry.register(subject, schema);

        assertThat(registry.register(subject, schema)).isEqualTo(id);
        assertThat(registry.schemaById(id)).isEqualTo(schema);
    }

    @Test
    void aBackwardIncompatibleChangeToTheRequestSchemaIsRefused() {
        registry.register(subject, RefinerRequestRecord.getClassSchema());
        registry.setCompatibility(subject, "BACKWARD");
        // A new required field without a default: readers of the new schema cannot read the old records.
        Schema incompatible = SchemaBuilder.record("RefinerRequestRecord").namespace("io.segmentrefiner.avro").fields()
                .optionalString("messageId")
                .requiredString("type").requiredString("method").requiredString("path").requiredString("body")
                .requiredLong("receivedAt")
                .requiredString("tenant")
                .endRecord();

        assertThatThrownBy(() -> registry.register(subject, incompatible))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.retriable()).isFalse();
                })
                .hasMessageContaining(subject).hasMessageContaining("409");
    }

    @Test
    void aCompatibleChangeIsAcceptedUnderBackwardCompatibility() {
        int first = registry.register(subject, RefinerRequestRecord.getClassSchema());
        registry.setCompatibility(subject, "BACKWARD");
        Schema withOptionalField = SchemaBuilder.record("RefinerRequestRecord").namespace("io.segmentrefiner.avro").fields()
                .optionalString("messageId")
                .requiredString("type").requiredString("method").requiredString("path").requiredString("body")
                .requiredLong("receivedAt")
                .name("tenant").type().stringType().stringDefault("default")
                .endRecord();

        assertThat(registry.register(subject, withOptionalField)).isNotEqualTo(first);
    }

    @Test
    void valuesWrittenByTheSerdeAreReadBackThroughTheRegistry() {
        ConfluentAvroSerde<RefinerRequestRecord> serde = new ConfluentAvroSerde<>(new CachingSchemaRegistry(registry),
                RefinerRequestRecord.getClassSchema());
        String topic = subject.substring(0, subject.length() - "-value".length());
        RefinerRequestRecord request = RequestRecords.track("m-1", "u", "E");

        byte[] bytes = serde.serializer().serialize(topic, request);

        assertThat(bytes[0]).isZero();
        int id = java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(registry.schemaById(id)).isEqualTo(RefinerRequestRecord.getClassSchema());
        ConfluentAvroSerde<RefinerRequestRecord> reader = new ConfluentAvroSerde<>(
                HttpSchemaRegistry.connect(url, Optional.empty()), RefinerRequestRecord.getClassSchema());
        assertThat(reader.deserializer().deserialize(topic, bytes)).isEqualTo(request);
    }

    @Test
    void anUnknownIdIsANonRetriableRefusal() {
        assertThatThrownBy(() -> registry.schemaById(987_654))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.status()).isEqualTo(404));
    }
}

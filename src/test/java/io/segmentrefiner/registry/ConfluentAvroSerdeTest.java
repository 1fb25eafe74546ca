package io.segmentrefiner.registry;

import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.harness.RequestRecords;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class ConfluentAvroSerdeTest {

    private final InMemorySchemaRegistry registry = InMemorySchemaRegistry.scope("serde-test-" + UUID.randomUUID());
    private final List<String> registrations = new ArrayList<>();
    private final SchemaRegistry counting = new SchemaRegistry() {
        @Override
        public int register(String subject, Schema schema) {
            registrations.add(subject);
            return registry.register(subject, schema);
        }

        @Override
        public Schema schemaById(int id) {
            return registry.schemaById(id);
        }
    };
    private final ConfluentAvroSerde<RefinerRequestRecord> serde = new ConfluentAvroSerde<>(counting, RefinerRequestRecord.getClassSchema());

    private static RefinerRequestRecord request(String messageId) {
        return RequestRecords.track(messageId, "u-1", "E");
    }

    @Test
    void theWritersSchemaIsRegisteredOncePerTopicNotPerRecord() {
        byte[] first = serde.serializer().serialize("requests", request("m-1"));
        byte[] second = serde.serializer().serialize("requests", request("m-2"));
        serde.serializer().serialize("other", request("m-3"));

        assertThat(registrations).containsExactly("requests-value", "other-value");
        assertThat(first[0]).as("Confluent magic byte").isZero();
        assertThat(ByteBuffer.wrap(second, 1, 4).getInt()).isEqualTo(ByteBuffer.wrap(first, 1, 4).getInt());
        assertThat(serde.deserializer().deserialize("requests", second).getMessageId()).isEqualTo("m-2");
    }
}

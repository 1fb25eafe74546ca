package io.segmentrefiner.registry;

import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Avro values in the Confluent wire format: magic byte 0, the 4-byte big-endian schema id, then Avro binary. The
 * writer's schema is registered under {@code <topic>-value}; a reader resolves each writer's schema by its id.
 */
public final class ConfluentAvroSerde<T extends SpecificRecord> implements Serde<T> {

    static final byte MAGIC_BYTE = 0;

    private final SchemaRegistry registry;
    private final Schema schema;
    private final SpecificDatumWriter<T> writer;
    private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();
    // The writer's schema id per topic: registered once, not looked up for every record.
    private final Map<String, Integer> writerIds = new ConcurrentHashMap<>();

    public ConfluentAvroSerde(SchemaRegistry registry, Schema schema) {
        this.registry = registry;
        this.schema = schema;
        this.writer = new SpecificDatumWriter<>(schema);
    }

    public static String valueSubject(String topic) {
        return topic + "-value";
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : serialize(topic, value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : deserialize(topic, bytes);
    }

    /**
     * The id of the writer's schema under {@code <topic>-value}, registered at the first call and remembered: a caller
     * that registers before records flow keeps the registry off the path of every record.
     *
     * @throws SchemaRegistryException when the registry cannot be reached or refuses the schema
     */
    public int writerSchemaId(String topic) {
        return writerIds.computeIfAbsent(topic, unseen -> registry.register(valueSubject(unseen), schema));
    }

    private byte[] serialize(String topic, T value) {
        int id;
        try {
            id = writerSchemaId(topic);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("Cannot register the schema of " + topic + ": " + e.getMessage(), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(MAGIC_BYTE);
        out.writeBytes(ByteBuffer.allocate(Integer.BYTES).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(value, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot write an Avro " + schema.getFullName() + " for " + topic, e);
        }
        return out.toByteArray();
    }

    private T deserialize(String topic, byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (bytes.length < 5 || buffer.get() != MAGIC_BYTE) {
            throw new SerializationException("A value on " + topic + " is not in the Confluent wire format (no magic byte 0)");
        }
        int id = buffer.getInt();
        DatumReader<T> reader;
        try {
            reader = readers.computeIfAbsent(id, writerId -> new SpecificDatumReader<>(registry.schemaById(writerId), schema));
        } catch (SchemaRegistryException e) {
            throw new SerializationException("Cannot find the writer's schema " + id + " of a value on " + topic + ": " + e.getMessage(), e);
        }
        try {
            return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot read an Avro value with schema " + id + " on " + topic, e);
        }
    }
}

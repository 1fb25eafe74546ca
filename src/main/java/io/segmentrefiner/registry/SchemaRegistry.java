package io.segmentrefiner.registry;

import org.apache.avro.Schema;

/** A Confluent-compatible schema registry: registers a writer's schema under a subject, and finds a schema by id. */
public interface SchemaRegistry extends AutoCloseable {

    /** Registers the schema under the subject (or finds it there already) and returns its global id. */
    int register(String subject, Schema schema);

    /** The schema with this global id. */
    Schema schemaById(int id);

    @Override
    default void close() {
    }
}

package io.segmentrefiner.registry;

import org.apache.avro.Schema;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Asks the registry behind it once per subject and schema, and once per id: ids never change meaning. */
public final class CachingSchemaRegistry implements SchemaRegistry {

    private record Registration(String subject, Schema schema) {
    }

    private final SchemaRegistry registry;
    private final Map<Registration, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

    public CachingSchemaRegistry(SchemaRegistry registry) {
        this.registry = registry;
    }

    @Override
    public int register(String subject, Schema schema) {
        return ids.computeIfAbsent(new Registration(subject, schema), r -> {
            int id = registry.register(r.subject(), r.schema());
            schemas.putIfAbsent(id, r.schema());
            return id;
        });
    }

    @Override
    public Schema schemaById(int id) {
        return schemas.computeIfAbsent(id, registry::schemaById);
    }

    @Override
    public void close() {
        registry.close();
    }
}

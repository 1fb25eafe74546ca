package io.segmentrefiner.registry;

import org.apache.avro.Schema;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry of {@code schema.registry.url=mock://<scope>}: in memory, shared by everything in the process that
 * names the same scope, for the embedded default and for tests. Ids are global, as in Confluent's registry.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

    private static final Map<String, InMemorySchemaRegistry> SCOPES = new ConcurrentHashMap<>();

    private final Map<Schema, Integer> ids = new HashMap<>();
    private final Map<Integer, Schema> schemas = new HashMap<>();

    private InMemorySchemaRegistry() {
    }

    public static InMemorySchemaRegistry scope(String scope) {
        return SCOPES.computeIfAbsent(scope, name -> new InMemorySchemaRegistry());
    }

    /** Forgets a scope, so that a test starts from an empty registry. */
    public static void drop(String scope) {
        SCOPES.remove(scope);
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        return ids.computeIfAbsent(schema, unseen -> {
            int next = ids.size() + 1;
            schemas.put(next, schema);
            return next;
        });
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemas.get(id);
        if (schema == null) {
            throw new SchemaRegistryException("Schema " + id + " not found in the in-memory registry", 404, false, null);
        }
        return schema;
    }
}

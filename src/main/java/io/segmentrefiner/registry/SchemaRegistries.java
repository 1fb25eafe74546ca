package io.segmentrefiner.registry;

import java.util.Optional;

/** Chooses the registry that {@code schema.registry.url} names. */
public final class SchemaRegistries {

    public static final String MOCK_SCHEME = "mock://";

    private SchemaRegistries() {
    }

    /** {@code mock://<scope>} is an in-memory registry; anything else the HTTP API, cached. */
    public static SchemaRegistry connect(String url, Optional<String> basicAuthUserInfo) {
        if (url.startsWith(MOCK_SCHEME)) {
            return InMemorySchemaRegistry.scope(url.substring(MOCK_SCHEME.length()));
        }
        return new CachingSchemaRegistry(HttpSchemaRegistry.connect(url, basicAuthUserInfo));
    }
}

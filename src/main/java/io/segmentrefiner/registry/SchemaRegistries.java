package io.segmentrefiner.registry;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Chooses the registry that {@code schema.registry.url} names. */
public final class SchemaRegistries {

    public static final String MOCK_SCHEME = "mock://";
    /** How long the schemas topic of {@code kafka://} may take to answer one call. */
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(10);

    private SchemaRegistries() {
    }

    /**
     * {@code mock://<scope>} is an in-memory registry; {@code kafka://<topic>} keeps schemas in a compacted topic on
     * the brokers of {@code kafkaClientSettings}; anything else is the HTTP API of a Confluent-compatible registry.
     * The last two are cached: ids never change meaning.
     *
     * @param schemasTopicReplication the replication factor of a schemas topic that has to be created; empty for
     *                                the broker's default
     */
    public static SchemaRegistry connect(String url, Optional<String> basicAuthUserInfo, Map<String, Object> kafkaClientSettings,
                                         Optional<Short> schemasTopicReplication) {
        if (url.startsWith(MOCK_SCHEME)) {
            return InMemorySchemaRegistry.scope(url.substring(MOCK_SCHEME.length()));
        }
        if (url.startsWith(TopicSchemaRegistry.SCHEME)) {
            return new CachingSchemaRegistry(TopicSchemaRegistry.connect(url.substring(TopicSchemaRegistry.SCHEME.length()),
                    kafkaClientSettings, schemasTopicReplication, TOPIC_TIMEOUT));
        }
        return new CachingSchemaRegistry(HttpSchemaRegistry.connect(url, basicAuthUserInfo));
    }
}

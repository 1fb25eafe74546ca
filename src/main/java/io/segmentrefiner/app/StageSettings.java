package io.segmentrefiner.app;

import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.config.ConfigException;
import io.segmentrefiner.delivery.DeliverySettings;
import io.segmentrefiner.delivery.RetryPolicy;
import io.segmentrefiner.refiner.AttributeRenames;
import io.segmentrefiner.refiner.MappingSettings;
import io.segmentrefiner.refiner.PageEventNaming;
import io.segmentrefiner.topology.TopicNames;

/**
 * The settings of each stage, built from the declarations in {@link AppConfig}. They are built here, where the
 * composition knows both sides, so that {@code config} knows no stage and the stages know no settings file.
 */
public final class StageSettings {

    private StageSettings() {
    }

    public static TopicNames topics(AppConfig config) {
        return new TopicNames(config.value(AppConfig.INPUT_TOPIC), config.value(AppConfig.REQUESTS_TOPIC),
                config.value(AppConfig.RETRY_TOPIC), config.value(AppConfig.DLQ_TOPIC), config.value(AppConfig.SUPPRESSIONS_TOPIC));
    }

    public static MappingSettings mapping(AppConfig config) {
        return new MappingSettings(PageEventNaming.parse(config.value(AppConfig.MAPPING_PAGE_EVENT)),
                new AttributeRenames(config.value(AppConfig.MAPPING_USER_ATTRIBUTES)),
                new AttributeRenames(config.value(AppConfig.MAPPING_ACCOUNT_ATTRIBUTES)));
    }

    /** The settings of delivery; the API key is required. */
    public static DeliverySettings delivery(AppConfig config) {
        String apiKey = config.find(AppConfig.REFINER_API_KEY).orElseThrow(() -> new ConfigException(AppConfig.REFINER_API_KEY,
                "required for delivery (run --role all or deliver), and not set (in the --config file or as "
                        + AppConfig.environmentVariable(AppConfig.REFINER_API_KEY.key()) + ")"));
        RetryPolicy retry = new RetryPolicy(config.value(AppConfig.DELIVERY_RETRY_INITIAL_BACKOFF),
                config.value(AppConfig.DELIVERY_RETRY_MAX_BACKOFF), config.value(AppConfig.DELIVERY_RETRY_MAX_DURATION));
        TopicNames topics = topics(config);
        return new DeliverySettings(config.value(AppConfig.REFINER_API_URL), apiKey, topics.requests(), topics.retries(),
                topics.deadLetters(), config.value(AppConfig.DELIVERY_MAX_IN_FLIGHT), config.value(AppConfig.DELIVERY_RATE_LIMIT),
                retry, config.value(AppConfig.DELIVERY_REQUEST_TIMEOUT), config.value(AppConfig.DELIVERY_AUTH_PROBE_MAX),
                config.value(AppConfig.DELIVERY_COMMIT_INTERVAL), config.value(AppConfig.DELIVERY_HOLD_MAX));
    }
}

package io.segmentrefiner.app;

import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.config.ConfigException;
import io.segmentrefiner.delivery.DeliverySettings;
import io.segmentrefiner.refiner.MappingSettings;
import io.segmentrefiner.refiner.PageEventNaming;
import io.segmentrefiner.topology.TopicNames;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StageSettingsTest {

    private final AppConfig defaults = AppConfig.of(Map.of());

    @Test
    void theDefaultsOfTheStagesAreTheDeclaredDefaults() {
        assertThat(StageSettings.topics(defaults)).isEqualTo(TopicNames.DEFAULTS);
        assertThat(StageSettings.mapping(defaults)).isEqualTo(MappingSettings.DEFAULTS);
    }

    @Test
    void mappingIsBuiltFromItsSettings() {
        MappingSettings mapping = StageSettings.mapping(AppConfig.of(Map.of(AppConfig.MAPPING_PAGE_EVENT.key(), "Named",
                AppConfig.MAPPING_ACCOUNT_ATTRIBUTES.key(), "plan:accountPlan")));

        assertThat(mapping.pageEvent()).isEqualTo(PageEventNaming.NAMED);
        assertThat(mapping.accountAttributes().rename("plan")).isEqualTo("accountPlan");
        assertThat(mapping.userAttributes().rename("plan")).isEqualTo("plan");
    }

    @Test
    void deliveryIsBuiltFromItsSettings() {
        DeliverySettings delivery = StageSettings.delivery(AppConfig.of(Map.of(AppConfig.REFINER_API_KEY.key(), "rk_test",
                AppConfig.RETRY_TOPIC.key(), "retries", AppConfig.DELIVERY_RATE_LIMIT.key(), "2.5",
                AppConfig.DELIVERY_RETRY_INITIAL_BACKOFF.key(), "50ms")));

        assertThat(delivery.apiUrl()).isEqualTo("https://api.refiner.io");
        assertThat(delivery.apiKey()).isEqualTo("rk_test");
        assertThat(delivery.requestsTopic()).isEqualTo("refiner.requests");
        assertThat(delivery.retryTopic()).isEqualTo("retries");
        assertThat(delivery.deadLetterTopic()).isEqualTo("refiner.dlq");
        assertThat(delivery.maxInFlight()).isEqualTo(64);
        assertThat(delivery.ratePerSecond()).isEqualTo(2.5);
        assertThat(delivery.retry().base()).isEqualTo(Duration.ofMillis(50));
        assertThat(delivery.retry().cap()).isEqualTo(Duration.ofMinutes(10));
        assertThat(delivery.retry().maxDuration()).isEqualTo(Duration.ofHours(4));
        assertThat(delivery.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(delivery.maxAuthProbe()).isEqualTo(Duration.ofMinutes(5));
        assertThat(delivery.commitInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(delivery.holdMax()).isEqualTo(1000);
    }

    @Test
    void deliveryNeedsTheApiKey() {
        assertThatThrownBy(() -> StageSettings.delivery(defaults))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Setting 'refiner.api.key': required for delivery (run --role all or deliver), and not set "
                        + "(in the --config file or as REFINER_API_KEY)");
    }
}

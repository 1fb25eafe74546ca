package io.segmentrefiner.config;

import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.refiner.PageEventNaming;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AppConfigTest {

    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        Path file = dir.resolve("segment-refiner.properties");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void defaultsAreFilledIn() {
        AppConfig config = AppConfig.load(Optional.empty(), Map.of());

        assertThat(config.get(AppConfig.REFINER_API_URL)).isEqualTo("https://api.refiner.io");
        assertThat(StageSettings.mapping(config).pageEvent()).isEqualTo(PageEventNaming.PAGEVIEW);
        assertThat(StageSettings.topics(config).input()).isEqualTo("segment.events");
        assertThat(StageSettings.topics(config).requests()).isEqualTo("refiner.requests");
        assertThat(StageSettings.topics(config).deadLetters()).isEqualTo("refiner.dlq");
        assertThat(config.bootstrapServers()).isEmpty();
        assertThat(config.value(AppConfig.EMBEDDED_BROKER_PORT)).isEqualTo(9092);
        Properties streams = KafkaClientSettings.streams(config);
        assertThat(streams.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
        assertThat(streams.getProperty(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG)).isEqualTo("refiner.dlq");
        assertThat(streams.getProperty(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("segment-refiner");
    }

    @Test
    void theFileSetsValuesAndTheEnvironmentOverridesThem() throws IOException {
        Path file = file("""
                mapping.page.event=named
                mapping.user.attributes=address:userAddress,plan:tier
                bootstrap.servers=broker-1:9092
                security.protocol=SASL_SSL
                """);

        AppConfig config = AppConfig.load(Optional.of(file), Map.of(
                "BOOTSTRAP_SERVERS", "broker-2:9092",
                "REFINER_API_KEY", "key-from-env",
                "DLQ_TOPIC", "custom.dlq",
                "PATH", "/usr/bin"));

        assertThat(StageSettings.mapping(config).pageEvent()).isEqualTo(PageEventNaming.NAMED);
        assertThat(StageSettings.mapping(config).userAttributes().rename("plan")).isEqualTo("tier");
        assertThat(config.bootstrapServers()).contains("broker-2:9092");
        assertThat(config.get(AppConfig.REFINER_API_KEY)).isEqualTo("key-from-env");
        assertThat(StageSettings.topics(config).deadLetters()).isEqualTo("custom.dlq");
        assertThat(KafkaClientSettings.streams(config).getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(KafkaClientSettings.streams(config).getProperty(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG)).isEqualTo("custom.dlq");
    }

    @Test
    void kafkaSettingsPassToStreamsAndOwnSettingsDoNot() {
        Properties streams = KafkaClientSettings.streams(AppConfig.of(Map.of("bootstrap.servers", "b:9092", "num.stream.threads", "4",
                "producer.linger.ms", "20", AppConfig.REFINER_API_KEY.key(), "secret")));

        assertThat(streams.getProperty("num.stream.threads")).isEqualTo("4");
        assertThat(streams.getProperty("producer.linger.ms")).isEqualTo("20");
        assertThat(streams.stringPropertyNames()).doesNotContain(AppConfig.REFINER_API_KEY.key(), AppConfig.MAPPING_PAGE_EVENT.key());
    }

    @Test
    void theStreamThreadsConsumerBatchesFetchesUnlessTheUserSaysOtherwise() {
        StreamsConfig defaults = new StreamsConfig(KafkaClientSettings.streams(AppConfig.of(Map.of("bootstrap.servers", "b:9092"))));

        assertThat(defaults.getMainConsumerConfigs("group", "client", 0))
                .containsEntry("fetch.max.wait.ms", "20").containsEntry("fetch.min.bytes", "16384");
        // Restoring state and reading the suppression list keep Kafka's defaults: nothing trickles there.
        assertThat(defaults.getRestoreConsumerConfigs("client")).doesNotContainKeys("fetch.max.wait.ms", "fetch.min.bytes");
        assertThat(defaults.getGlobalConsumerConfigs("client")).doesNotContainKeys("fetch.max.wait.ms", "fetch.min.bytes");

        for (String prefix : new String[] {"", "consumer.", "main.consumer."}) {
            StreamsConfig given = new StreamsConfig(KafkaClientSettings.streams(AppConfig.of(Map.of("bootstrap.servers", "b:9092",
                    prefix + "fetch.max.wait.ms", "500", prefix + "fetch.min.bytes", "1"))));
            assertThat(given.getMainConsumerConfigs("group", "client", 0)).as("given as %sfetch.*", prefix)
                    .containsEntry("fetch.max.wait.ms", "500").containsEntry("fetch.min.bytes", "1");
        }
    }

    @Test
    void plainClientsAreIdempotentReadCommittedAndNeverTransactional() {
        AppConfig config = AppConfig.of(Map.of("bootstrap.servers", "b:9092", "transactional.id", "meant-for-streams",
                "acks", "1", "isolation.level", "read_uncommitted", "linger.ms", "20"));

        Map<String, Object> producer = KafkaClientSettings.producer(config);
        assertThat(producer).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                .containsEntry("linger.ms", "20").containsEntry("bootstrap.servers", "b:9092").doesNotContainKey("transactional.id");
        assertThat(KafkaClientSettings.consumer(config)).containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", false).containsEntry("auto.offset.reset", "earliest");
    }

    @Test
    void staticMembershipIsAGroupInstanceIdPlainOrUnderAConsumerPrefix() {
        assertThat(AppConfig.of(Map.of()).staticMembership()).isFalse();
        assertThat(AppConfig.of(Map.of("group.instance.id", "refiner-0")).staticMembership()).isTrue();
        assertThat(AppConfig.of(Map.of("main.consumer.group.instance.id", "refiner-0")).staticMembership()).isTrue();
        assertThat(AppConfig.of(Map.of("group.instance.id", " ")).staticMembership()).isFalse();
    }

    @Test
    void anUnknownKeyIsNamedInTheError() throws IOException {
        Path file = file("mapping.page.events=named\n");

        assertThatThrownBy(() -> AppConfig.load(Optional.of(file), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Setting 'mapping.page.events': unknown setting");
    }

    @Test
    void badValuesAreNamedWithWhatIsExpected() {
        assertThatThrownBy(() -> AppConfig.of(Map.of(AppConfig.MAPPING_PAGE_EVENT.key(), "sometimes")))
                .hasMessageContaining("'mapping.page.event'").hasMessageContaining("pageview or named");
        assertThatThrownBy(() -> AppConfig.of(Map.of(AppConfig.MAPPING_ACCOUNT_ATTRIBUTES.key(), "plan")))
                .hasMessageContaining("'mapping.account.attributes'").hasMessageContaining("from:to");
        assertThatThrownBy(() -> AppConfig.of(Map.of(AppConfig.EMBEDDED_BROKER_PORT.key(), "ninety")))
                .hasMessageContaining("'embedded.broker.port'").hasMessageContaining("not a whole number");
        assertThatThrownBy(() -> AppConfig.of(Map.of(AppConfig.TOPICS_REPLICATION_FACTOR.key(), "0")))
                .hasMessageContaining("'topics.replication.factor'");
    }

    @Test
    void aMissingRequiredSettingNamesItsEnvironmentVariable() {
        assertThatThrownBy(() -> AppConfig.of(Map.of()).get(AppConfig.REFINER_API_KEY))
                .hasMessage("Setting 'refiner.api.key': required, and not set (in the --config file or as REFINER_API_KEY)");
    }

    @Test
    void secretsAreHiddenWhenSettingsAreShown() {
        Map<String, String> shown = AppConfig.of(Map.of(AppConfig.REFINER_API_KEY.key(), "rk_live_123",
                AppConfig.BASIC_AUTH_USER_INFO.key(), "user:pw", "sasl.jaas.config", "x password=\"p\";")).redacted();

        assertThat(shown.toString()).doesNotContain("rk_live_123", "user:pw", "password=\"p\"");
        assertThat(shown.get(AppConfig.REFINER_API_KEY.key())).isEqualTo("[hidden]");
    }

    @Test
    void registryCredentialsFollowTheConfluentConvention() {
        assertThat(AppConfig.of(Map.of(AppConfig.BASIC_AUTH_USER_INFO.key(), "u:p")).schemaRegistryUserInfo()).contains("u:p");
        assertThat(AppConfig.of(Map.of(AppConfig.SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO.key(), "u2:p2")).schemaRegistryUserInfo()).contains("u2:p2");
        assertThat(AppConfig.of(Map.of()).schemaRegistryUserInfo()).isEmpty();
    }

    @Test
    void everyDeclaredSecretIsHidden() {
        Map<String, String> shown = AppConfig.of(Map.of(AppConfig.INGEST_WRITE_KEYS.key(), "wk_web",
                AppConfig.SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO.key(), "u2:p2")).redacted();

        assertThat(shown).containsEntry(AppConfig.INGEST_WRITE_KEYS.key(), "[hidden]")
                .containsEntry(AppConfig.SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO.key(), "[hidden]")
                .containsEntry(AppConfig.INPUT_TOPIC.key(), "segment.events");
    }

    @Test
    void aSettingWithADefaultIsCheckedOnLoadOneWithoutWhenRead() {
        assertThatThrownBy(() -> AppConfig.of(Map.of(AppConfig.HTTP_PORT.key(), "70000")))
                .hasMessage("Setting 'http.port': must be a TCP port, 0 (any free one) to 65535");
        assertThatThrownBy(() -> AppConfig.of(Map.of(AppConfig.DELIVERY_RATE_LIMIT.key(), "fast")))
                .hasMessage("Setting 'delivery.rate.limit': 'fast' is not a number of requests per second");
        assertThatThrownBy(() -> AppConfig.of(Map.of(AppConfig.INPUT_TOPIC.key(), " ")))
                .hasMessage("Setting 'input.topic': required, and not set (in the --config file or as INPUT_TOPIC)");

        AppConfig noWriteKey = AppConfig.of(Map.of(AppConfig.INGEST_WRITE_KEYS.key(), ","));
        assertThatThrownBy(() -> noWriteKey.value(AppConfig.INGEST_WRITE_KEYS))
                .hasMessage("Setting 'ingest.write.keys': names no write key (comma-separated, such as wk_web,wk_ios)");
        assertThat(AppConfig.of(Map.of()).find(AppConfig.INGEST_WRITE_KEYS)).isEmpty();
    }

    @Test
    void valuesAreReadByTheirDeclaredParser() {
        AppConfig config = AppConfig.of(Map.of(AppConfig.TOPICS_REPLICATION_FACTOR.key(), "3", AppConfig.INGEST_ENABLED.key(), " true"));

        assertThat(config.value(AppConfig.TOPICS_REPLICATION_FACTOR)).contains((short) 3);
        assertThat(config.value(AppConfig.INGEST_ENABLED)).isTrue();
        assertThat(config.value(AppConfig.DELIVERY_RETRY_MAX_DURATION)).isEqualTo(java.time.Duration.ofHours(4));
        assertThat(AppConfig.of(Map.of()).value(AppConfig.TOPICS_REPLICATION_FACTOR)).isEmpty();
    }

    @Test
    void kafkaSettingsAreEveryKeyThatIsNotThisProjectsOwn() {
        Map<String, String> kafka = AppConfig.of(Map.of("bootstrap.servers", "b:9092", AppConfig.REFINER_API_KEY.key(), "secret"))
                .kafkaSettings();

        assertThat(kafka).containsEntry("bootstrap.servers", "b:9092").containsEntry("application.id", "segment-refiner")
                .containsEntry("processing.guarantee", "exactly_once_v2").doesNotContainKeys("refiner.api.key", "input.topic");
    }
}

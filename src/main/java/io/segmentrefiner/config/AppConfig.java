package io.segmentrefiner.config;

import io.segmentrefiner.deadletter.DeadLetteringExceptionHandlers;
import io.segmentrefiner.delivery.DeliverySettings;
import io.segmentrefiner.delivery.RetryPolicy;
import io.segmentrefiner.refiner.AttributeRenames;
import io.segmentrefiner.refiner.MappingSettings;
import io.segmentrefiner.refiner.PageEventNaming;
import io.segmentrefiner.topology.TopicNames;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The settings: a properties file (given by {@code --config}), each key overridable by an environment variable
 * named in upper case with {@code _} for {@code .} ({@code REFINER_API_KEY} for {@code refiner.api.key}), and the
 * defaults below filled in. Kafka client and Streams settings go by their own names and pass through to Kafka.
 */
public final class AppConfig {

    public static final String REFINER_API_URL = "refiner.api.url";
    public static final String REFINER_API_KEY = "refiner.api.key";
    public static final String MAPPING_PAGE_EVENT = "mapping.page.event";
    public static final String MAPPING_USER_ATTRIBUTES = "mapping.user.attributes";
    public static final String MAPPING_ACCOUNT_ATTRIBUTES = "mapping.account.attributes";
    public static final String INPUT_TOPIC = "input.topic";
    public static final String REQUESTS_TOPIC = "requests.topic";
    public static final String RETRY_TOPIC = "retry.topic";
    public static final String DLQ_TOPIC = "dlq.topic";
    public static final String DELIVERY_MAX_IN_FLIGHT = "delivery.max.in.flight";
    public static final String DELIVERY_RATE_LIMIT = "delivery.rate.limit";
    public static final String DELIVERY_RETRY_MAX_DURATION = "delivery.retry.max.duration";
    public static final String DELIVERY_RETRY_INITIAL_BACKOFF = "delivery.retry.initial.backoff";
    public static final String DELIVERY_RETRY_MAX_BACKOFF = "delivery.retry.max.backoff";
    public static final String DELIVERY_REQUEST_TIMEOUT = "delivery.request.timeout";
    public static final String DELIVERY_AUTH_PROBE_MAX = "delivery.auth.probe.max";
    public static final String DELIVERY_COMMIT_INTERVAL = "delivery.commit.interval";
    public static final String DELIVERY_HOLD_MAX = "delivery.hold.max";
    public static final String TOPICS_PARTITIONS = "topics.partitions";
    public static final String TOPICS_REPLICATION_FACTOR = "topics.replication.factor";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
    public static final String EMBEDDED_BROKER_PORT = "embedded.broker.port";
    public static final String EMBEDDED_DATA_DIR = "embedded.data.dir";
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String INGEST_ENABLED = "ingest.enabled";
    public static final String INGEST_HOST = "ingest.host";
    public static final String INGEST_PORT = "ingest.port";
    public static final String INGEST_WRITE_KEYS = "ingest.write.keys";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";

    /** The registry of the embedded default: schemas in a topic of its own broker, kept as long as the broker's data. */
    public static final String EMBEDDED_REGISTRY_URL = "kafka://_schemas";
    /** The static group membership of the embedded default's consumers. */
    public static final String EMBEDDED_INSTANCE_ID = "segment-refiner-embedded";

    /** This project's settings; every other key is Kafka's. */
    private static final Set<String> OWN_KEYS = Set.of(REFINER_API_URL, REFINER_API_KEY, MAPPING_PAGE_EVENT,
            MAPPING_USER_ATTRIBUTES, MAPPING_ACCOUNT_ATTRIBUTES, INPUT_TOPIC, REQUESTS_TOPIC, RETRY_TOPIC, DLQ_TOPIC, TOPICS_PARTITIONS,
            DELIVERY_MAX_IN_FLIGHT, DELIVERY_RATE_LIMIT, DELIVERY_RETRY_MAX_DURATION, DELIVERY_RETRY_INITIAL_BACKOFF,
            DELIVERY_RETRY_MAX_BACKOFF, DELIVERY_REQUEST_TIMEOUT, DELIVERY_AUTH_PROBE_MAX, DELIVERY_COMMIT_INTERVAL,
            DELIVERY_HOLD_MAX, TOPICS_REPLICATION_FACTOR, SCHEMA_REGISTRY_URL, BASIC_AUTH_USER_INFO, BASIC_AUTH_CREDENTIALS_SOURCE,
            SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO, EMBEDDED_BROKER_PORT, EMBEDDED_DATA_DIR, HTTP_HOST, HTTP_PORT,
            INGEST_ENABLED, INGEST_HOST, INGEST_PORT, INGEST_WRITE_KEYS);
    private static final Map<String, String> DEFAULTS = defaults();
    private static final Set<String> KNOWN_KEYS = knownKeys();
    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Set<String> SECRET_KEYS = Set.of(REFINER_API_KEY, BASIC_AUTH_USER_INFO, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO,
            INGEST_WRITE_KEYS);
    private static final List<String> KAFKA_PREFIXES = List.of(StreamsConfig.CONSUMER_PREFIX, StreamsConfig.MAIN_CONSUMER_PREFIX,
            StreamsConfig.RESTORE_CONSUMER_PREFIX, StreamsConfig.GLOBAL_CONSUMER_PREFIX, StreamsConfig.PRODUCER_PREFIX,
            StreamsConfig.ADMIN_CLIENT_PREFIX, StreamsConfig.TOPIC_PREFIX);

    private final Map<String, String> values;

    private AppConfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    private static Map<String, String> defaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put(REFINER_API_URL, "https://api.refiner.io");
        defaults.put(MAPPING_PAGE_EVENT, "pageview");
        defaults.put(MAPPING_USER_ATTRIBUTES, "");
        defaults.put(MAPPING_ACCOUNT_ATTRIBUTES, "");
        defaults.put(INPUT_TOPIC, TopicNames.DEFAULTS.input());
        defaults.put(REQUESTS_TOPIC, TopicNames.DEFAULTS.requests());
        defaults.put(RETRY_TOPIC, TopicNames.DEFAULTS.retries());
        defaults.put(DLQ_TOPIC, TopicNames.DEFAULTS.deadLetters());
        defaults.put(DELIVERY_MAX_IN_FLIGHT, "64");
        defaults.put(DELIVERY_RATE_LIMIT, "0");
        defaults.put(DELIVERY_RETRY_MAX_DURATION, "4h");
        defaults.put(DELIVERY_RETRY_INITIAL_BACKOFF, "1s");
        defaults.put(DELIVERY_RETRY_MAX_BACKOFF, "10m");
        defaults.put(DELIVERY_REQUEST_TIMEOUT, "30s");
        defaults.put(DELIVERY_AUTH_PROBE_MAX, "5m");
        defaults.put(DELIVERY_COMMIT_INTERVAL, "200ms");
        defaults.put(DELIVERY_HOLD_MAX, "1000");
        defaults.put(TOPICS_PARTITIONS, "6");
        defaults.put(TOPICS_REPLICATION_FACTOR, "-1");
        defaults.put(EMBEDDED_BROKER_PORT, "9092");
        defaults.put(INGEST_ENABLED, "false");
        defaults.put(INGEST_HOST, "127.0.0.1");
        defaults.put(INGEST_PORT, "8088");
        defaults.put(HTTP_HOST, "127.0.0.1");
        defaults.put(HTTP_PORT, "8080");
        defaults.put(EMBEDDED_DATA_DIR, ".segment-refiner/kafka");
        defaults.put(StreamsConfig.APPLICATION_ID_CONFIG, "segment-refiner");
        defaults.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return Collections.unmodifiableMap(defaults);
    }

    /** Reads the file (when given), applies the environment, fills in defaults, and checks every key and value. */
    public static AppConfig load(Optional<Path> file, Map<String, String> environment) {
        Map<String, String> values = new TreeMap<>(DEFAULTS);
        if (file.isPresent()) {
            values.putAll(readFile(file.get()));
        }
        Set<String> candidates = new HashSet<>(KNOWN_KEYS);
        candidates.addAll(values.keySet());
        for (String key : candidates) {
            String variable = environmentVariable(key);
            if (environment.containsKey(variable)) {
                values.put(key, environment.get(variable));
            }
        }
        return check(values);
    }

    /** Settings given directly, over the defaults: for tests and embedding. */
    public static AppConfig of(Map<String, String> settings) {
        Map<String, String> values = new TreeMap<>(DEFAULTS);
        values.putAll(settings);
        return check(values);
    }

    public AppConfig with(String key, String value) {
        Map<String, String> changed = new TreeMap<>(values);
        changed.put(key, value);
        return check(changed);
    }

    public static String environmentVariable(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static Map<String, String> readFile(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new ConfigException("Cannot read the configuration file " + file + ": " + e.getMessage());
        }
        Map<String, String> values = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> values.put(key, properties.getProperty(key).trim()));
        return values;
    }

    private static AppConfig check(Map<String, String> values) {
        for (String key : values.keySet()) {
            if (!isKnown(key)) {
                throw new ConfigException(key, "unknown setting; see the README for this project's settings, "
                        + "and Kafka's documentation for client and Streams settings");
            }
        }
        AppConfig config = new AppConfig(values);
        config.mapping();
        config.partitions();
        config.replicationFactor();
        config.embeddedBrokerPort();
        config.httpPort();
        config.ingestPort();
        config.ingestEnabled();
        config.deliverySettings("");
        return config;
    }

    private static Set<String> knownKeys() {
        Set<String> known = new HashSet<>(OWN_KEYS);
        known.addAll(StreamsConfig.configDef().names());
        known.addAll(ProducerConfig.configNames());
        known.addAll(ConsumerConfig.configNames());
        known.addAll(AdminClientConfig.configNames());
        return known;
    }

    private static boolean isKnown(String key) {
        return KNOWN_KEYS.contains(key) || KAFKA_PREFIXES.stream().anyMatch(key::startsWith);
    }

    public String get(String key) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, "required, and not set (in the --config file or as " + environmentVariable(key) + ")");
        }
        return value;
    }

    public Optional<String> find(String key) {
        return Optional.ofNullable(values.get(key)).filter(value -> !value.isBlank());
    }

    /** Whether Kafka Streams runs as a static group member: {@code group.instance.id}, plain or under a consumer prefix. */
    public boolean staticMembership() {
        return values.entrySet().stream()
                .anyMatch(setting -> setting.getKey().endsWith(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG) && !setting.getValue().isBlank());
    }

    public Optional<String> bootstrapServers() {
        return find(BOOTSTRAP_SERVERS);
    }

    /**
     * The settings for a tool (produce, replay, topics): the configured brokers, or when none are configured the
     * embedded broker that {@code run} started on {@code 127.0.0.1:<embedded.broker.port>}.
     */
    public AppConfig forTools() {
        return bootstrapServers().isPresent() ? this : with(BOOTSTRAP_SERVERS, "127.0.0.1:" + embeddedBrokerPort());
    }

    public MappingSettings mapping() {
        PageEventNaming pageEvent;
        try {
            pageEvent = PageEventNaming.parse(get(MAPPING_PAGE_EVENT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(MAPPING_PAGE_EVENT, e.getMessage() + " (expected pageview or named)");
        }
        return new MappingSettings(pageEvent, renames(MAPPING_USER_ATTRIBUTES), renames(MAPPING_ACCOUNT_ATTRIBUTES));
    }

    private AttributeRenames renames(String key) {
        try {
            return AttributeRenames.parse(values.get(key));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage() + " (expected from:to,from:to)");
        }
    }

    public TopicNames topics() {
        return new TopicNames(get(INPUT_TOPIC), get(REQUESTS_TOPIC), get(RETRY_TOPIC), get(DLQ_TOPIC));
    }

    public int partitions() {
        int partitions = integer(TOPICS_PARTITIONS);
        if (partitions < 1) {
            throw new ConfigException(TOPICS_PARTITIONS, "must be at least 1");
        }
        return partitions;
    }

    /** Empty means the broker's {@code default.replication.factor}. */
    public Optional<Short> replicationFactor() {
        int factor = integer(TOPICS_REPLICATION_FACTOR);
        if (factor == -1) {
            return Optional.empty();
        }
        if (factor < 1 || factor > Short.MAX_VALUE) {
            throw new ConfigException(TOPICS_REPLICATION_FACTOR, "must be -1 (the broker's default) or at least 1");
        }
        return Optional.of((short) factor);
    }

    public int embeddedBrokerPort() {
        int port = integer(EMBEDDED_BROKER_PORT);
        if (port < 1 || port > 65535) {
            throw new ConfigException(EMBEDDED_BROKER_PORT, "must be a TCP port, 1 to 65535");
        }
        return port;
    }

    /** Whether {@code run} serves Segment's HTTP Tracking API too. */
    public boolean ingestEnabled() {
        String value = get(INGEST_ENABLED).trim();
        if (!value.equals("true") && !value.equals("false")) {
            throw new ConfigException(INGEST_ENABLED, "'" + value + "' is neither true nor false");
        }
        return value.equals("true");
    }

    /** The port of the HTTP Tracking API; 0 for any free one. */
    public int ingestPort() {
        int port = integer(INGEST_PORT);
        if (port < 0 || port > 65535) {
            throw new ConfigException(INGEST_PORT, "must be a TCP port, 0 (any free one) to 65535");
        }
        return port;
    }

    /** The write keys the HTTP Tracking API accepts: at least one. */
    public Set<String> ingestWriteKeys() {
        Set<String> keys = new java.util.LinkedHashSet<>();
        for (String key : get(INGEST_WRITE_KEYS).split(",")) {
            if (!key.isBlank()) {
                keys.add(key.trim());
            }
        }
        if (keys.isEmpty()) {
            throw new ConfigException(INGEST_WRITE_KEYS, "names no write key (comma-separated, such as wk_web,wk_ios)");
        }
        return keys;
    }

    /** The port of /health, /ready and /metrics; 0 for any free one. */
    public int httpPort() {
        int port = integer(HTTP_PORT);
        if (port < 0 || port > 65535) {
            throw new ConfigException(HTTP_PORT, "must be a TCP port, 0 (any free one) to 65535");
        }
        return port;
    }

    public Path embeddedDataDir() {
        return Path.of(get(EMBEDDED_DATA_DIR));
    }

    public String schemaRegistryUrl() {
        return get(SCHEMA_REGISTRY_URL);
    }

    public Optional<String> schemaRegistryUserInfo() {
        return find(BASIC_AUTH_USER_INFO).or(() -> find(SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO));
    }

    /** The settings of delivery; the API key is required. */
    public DeliverySettings delivery() {
        return deliverySettings(find(REFINER_API_KEY).orElseThrow(() -> new ConfigException(REFINER_API_KEY,
                "required for delivery (run --role all or deliver), and not set (in the --config file or as "
                        + environmentVariable(REFINER_API_KEY) + ")")));
    }

    private DeliverySettings deliverySettings(String apiKey) {
        int maxInFlight = integer(DELIVERY_MAX_IN_FLIGHT);
        if (maxInFlight < 1) {
            throw new ConfigException(DELIVERY_MAX_IN_FLIGHT, "must be at least 1");
        }
        double rate;
        try {
            rate = Double.parseDouble(get(DELIVERY_RATE_LIMIT));
        } catch (NumberFormatException e) {
            throw new ConfigException(DELIVERY_RATE_LIMIT, "'" + values.get(DELIVERY_RATE_LIMIT) + "' is not a number of requests per second");
        }
        if (rate < 0) {
            throw new ConfigException(DELIVERY_RATE_LIMIT, "must be 0 (no limit) or more");
        }
        int holdMax = integer(DELIVERY_HOLD_MAX);
        if (holdMax < 1) {
            throw new ConfigException(DELIVERY_HOLD_MAX, "must be at least 1");
        }
        String url = get(REFINER_API_URL);
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new ConfigException(REFINER_API_URL, "'" + url + "' is not an http:// or https:// URL");
        }
        RetryPolicy retry = new RetryPolicy(duration(DELIVERY_RETRY_INITIAL_BACKOFF), duration(DELIVERY_RETRY_MAX_BACKOFF),
                duration(DELIVERY_RETRY_MAX_DURATION));
        TopicNames topics = topics();
        return new DeliverySettings(url, apiKey, topics.requests(), topics.retries(), topics.deadLetters(), maxInFlight, rate,
                retry, duration(DELIVERY_REQUEST_TIMEOUT), duration(DELIVERY_AUTH_PROBE_MAX), duration(DELIVERY_COMMIT_INTERVAL), holdMax);
    }

    /** A duration written {@code 250ms}, {@code 30s}, {@code 10m}, {@code 4h}, {@code 1d}, or in ISO-8601 ({@code PT4H}). */
    public Duration duration(String key) {
        String text = get(key).trim();
        try {
            if (text.toUpperCase(Locale.ROOT).startsWith("P")) {
                return Duration.parse(text);
            }
            java.util.regex.Matcher matcher = DURATION.matcher(text);
            if (matcher.matches()) {
                long amount = Long.parseLong(matcher.group(1));
                return switch (matcher.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    default -> Duration.ofDays(amount);
                };
            }
        } catch (java.time.format.DateTimeParseException | ArithmeticException e) {
            // falls through to the error below
        }
        throw new ConfigException(key, "'" + text + "' is not a duration (such as 250ms, 30s, 10m, 4h, 1d or PT4H)");
    }

    /**
     * The settings of this project's plain consumers: the Kafka settings a consumer takes, reading only what
     * translation committed (it writes in transactions), from the start when the group has no offset, committing
     * by hand.
     */
    public Map<String, Object> consumerProperties() {
        Map<String, Object> consumer = kafkaSettingsOf(ConsumerConfig.configNames());
        consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return consumer;
    }

    /**
     * The settings of this project's plain producers: the Kafka settings a producer takes, acknowledged by all
     * replicas and idempotent. Only Kafka Streams writes in transactions: a {@code transactional.id} meant for it
     * would make every send of these producers fail.
     */
    public Map<String, Object> producerProperties() {
        Map<String, Object> producer = kafkaSettingsOf(ProducerConfig.configNames());
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        producer.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        return producer;
    }

    private Map<String, Object> kafkaSettingsOf(Set<String> names) {
        Map<String, Object> settings = new TreeMap<>();
        values.forEach((key, value) -> {
            if (names.contains(key)) {
                settings.put(key, value);
            }
        });
        return settings;
    }

    private int integer(String key) {
        try {
            return Integer.parseInt(get(key));
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "'" + values.get(key) + "' is not a whole number");
        }
    }

    /** The Kafka Streams settings: every Kafka key as given, over this project's defaults for Streams. */
    public Properties streamsProperties() {
        Properties streams = new Properties();
        streams.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, get(DLQ_TOPIC));
        streams.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandlers.Processing.class.getName());
        streams.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandlers.Production.class.getName());
        // No global tables here; this opts into Kafka 5.0's default and spares every start a warning about it.
        streams.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        values.forEach((key, value) -> {
            if (isKafkaKey(key)) {
                streams.put(key, value);
            }
        });
        return streams;
    }

    /** The Kafka settings that an admin client takes. */
    public Map<String, Object> adminProperties() {
        return kafkaSettingsOf(AdminClientConfig.configNames());
    }

    private static boolean isKafkaKey(String key) {
        return !OWN_KEYS.contains(key);
    }

    /** Every setting, secrets masked: what {@code run} may print. */
    public Map<String, String> redacted() {
        Map<String, String> shown = new TreeMap<>(values);
        shown.replaceAll((key, value) -> SECRET_KEYS.contains(key) || key.contains("password") || key.contains("jaas")
                ? "[hidden]" : value);
        return shown;
    }
}

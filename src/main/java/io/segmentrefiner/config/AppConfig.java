package io.segmentrefiner.config;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static io.segmentrefiner.config.SettingParser.asGiven;
import static io.segmentrefiner.config.SettingParser.atLeast;
import static io.segmentrefiner.config.SettingParser.duration;
import static io.segmentrefiner.config.SettingParser.durationOrOff;
import static io.segmentrefiner.config.SettingParser.either;
import static io.segmentrefiner.config.SettingParser.httpUrl;
import static io.segmentrefiner.config.SettingParser.path;
import static io.segmentrefiner.config.SettingParser.rate;
import static io.segmentrefiner.config.SettingParser.renames;
import static io.segmentrefiner.config.SettingParser.replicationFactor;
import static io.segmentrefiner.config.SettingParser.tcpPort;
import static io.segmentrefiner.config.SettingParser.tcpPortOrAnyFree;
import static io.segmentrefiner.config.SettingParser.text;
import static io.segmentrefiner.config.SettingParser.trueOrFalse;
import static io.segmentrefiner.config.SettingParser.writeKeys;

/**
 * The settings: a properties file (given by {@code --config}), each key overridable by an environment variable
 * named in upper case with {@code _} for {@code .} ({@code REFINER_API_KEY} for {@code refiner.api.key}), and the
 * defaults below filled in. Kafka client and Streams settings go by their own names and pass through to Kafka.
 *
 * <p>Every setting of this project is declared here once, in the order of the README's table, which is made from
 * these declarations (checked by {@code ConfigurationTableTest}). The stages build their own settings from them, in
 * {@code io.segmentrefiner.app}.
 *
 * <p>It is past 300 lines because it is the list of declarations, one short entry a setting (key, default, parser,
 * secret or not, meaning); the loading, validation and redaction that use them are some sixty lines.
 */
public final class AppConfig {

    private static final List<Setting<?>> DECLARED = new ArrayList<>();

    // A new setting is one more declaration below, where its row of the README's table goes; its stage reads it with
    // value(...). Loading, the checks, redaction and the table follow from the declaration.
    public static final Setting<String> BOOTSTRAP_SERVERS = declare(Setting.optional("bootstrap.servers", text(),
            "Kafka brokers. Without it, `run` starts the embedded default.").passedToKafka()
            .documentedDefault("none: embedded broker"));
    public static final Setting<String> SCHEMA_REGISTRY_URL = declare(Setting.optional("schema.registry.url", text(),
            "Confluent-compatible Schema Registry (Confluent, Apicurio's `/apis/ccompat/v7`, Karapace, Redpanda); "
            + "several URLs comma-separated. `kafka://<topic>` keeps schemas in a compacted topic on "
            + "`bootstrap.servers` (one writing process); `mock://<scope>` is an in-memory registry, for tests.")
            .documentedDefault("`kafka://_schemas` on the embedded default; required otherwise"));
    public static final Setting<String> BASIC_AUTH_USER_INFO = declare(Setting.optional("basic.auth.user.info", text(),
            "`user:password` for the registry's HTTP Basic authentication (Confluent's convention; "
            + "`schema.registry.basic.auth.user.info` is read too, and so is user info in the URL).").asSecret());
    public static final Setting<String> SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO = declare(Setting.optional("schema.registry.basic.auth.user.info", text(),
            "The same as `basic.auth.user.info`, under the name of Confluent's other clients; `basic.auth.user.info` "
            + "wins when both are set.").asSecret());
    public static final Setting<String> BASIC_AUTH_CREDENTIALS_SOURCE = declare(Setting.optional("basic.auth.credentials.source", text(),
            "Accepted for compatibility with Confluent client configs; credentials come from "
            + "`basic.auth.user.info` or the URL."));
    public static final Setting<String> REFINER_API_URL = declare(Setting.of("refiner.api.url", "https://api.refiner.io", httpUrl(),
            "Refiner's API, for delivery."));
    public static final Setting<String> REFINER_API_KEY = declare(Setting.optional("refiner.api.key", text(),
            "Refiner's API key, needed by delivery (`--role all` or `deliver`). Never logged, never in metrics or "
            + "dead letters.").asSecret());
    public static final Setting<Integer> DELIVERY_MAX_IN_FLIGHT = declare(Setting.of("delivery.max.in.flight", "64", atLeast(1),
            "Requests in flight at once (and HTTP connections)."));
    public static final Setting<Double> DELIVERY_RATE_LIMIT = declare(Setting.of("delivery.rate.limit", "0", rate(),
            "Requests per second at most; `0` is no limit."));
    public static final Setting<Duration> DELIVERY_RETRY_MAX_DURATION = declare(Setting.of("delivery.retry.max.duration", "4h", duration(),
            "How long a request is retried (408, 429, 5xx, timeouts, connection errors) before it is "
            + "dead-lettered, as Segment does. Durations: `250ms`, `30s`, `10m`, `4h`, `1d` or ISO-8601 (`PT4H`)."));
    public static final Setting<Duration> DELIVERY_RETRY_INITIAL_BACKOFF = declare(Setting.of("delivery.retry.initial.backoff", "1s", duration(),
            "The first retry waits between half and all of this; each next one doubles it, randomized."));
    public static final Setting<Duration> DELIVERY_RETRY_MAX_BACKOFF = declare(Setting.of("delivery.retry.max.backoff", "10m", duration(),
            "The longest wait between attempts (a `Retry-After` on 429 or 503 wins, up to a day; one past "
            + "`delivery.retry.max.duration` dead-letters at once)."));
    public static final Setting<Duration> DELIVERY_REQUEST_TIMEOUT = declare(Setting.of("delivery.request.timeout", "30s", duration(),
            "A request without an answer by then is retried."));
    public static final Setting<Duration> DELIVERY_AUTH_PROBE_MAX = declare(Setting.of("delivery.auth.probe.max", "5m", duration(),
            "While Refiner refuses the key (401/403), the longest wait between probes."));
    public static final Setting<Duration> DELIVERY_COMMIT_INTERVAL = declare(Setting.of("delivery.commit.interval", "200ms", duration(),
            "How often delivery commits its offsets."));
    public static final Setting<Integer> DELIVERY_HOLD_MAX = declare(Setting.of("delivery.hold.max", "1000", atLeast(1),
            "Requests a contact holds behind one that waits for a retry (its later requests wait, to keep their "
            + "order); one more and the waiting one is dead-lettered `HOLD_LIMIT` so that they go on."));
    public static final Setting<String> MAPPING_PAGE_EVENT = declare(Setting.of("mapping.page.event", "pageview", either("pageview", "named"),
            "`pageview` or `named`: how a page call names its Refiner event."));
    public static final Setting<Map<String, String>> MAPPING_USER_ATTRIBUTES = declare(Setting.of("mapping.user.attributes", "", renames(),
            "Renames of user traits, `from:to,from:to`, e.g. `address:userAddress,plan:tier`."));
    public static final Setting<Map<String, String>> MAPPING_ACCOUNT_ATTRIBUTES = declare(Setting.of("mapping.account.attributes", "", renames(),
            "Renames of group (account) traits, same form."));
    public static final Setting<Duration> DEDUP_WINDOW = declare(Setting.of("dedup.window", "24h", durationOrOff(),
            "How long a translated `messageId` makes later events with the same `messageId` duplicates, skipped as "
            + "`DUPLICATE`, as Segment drops the copies its libraries' retries send; `0` turns it off. Kept in a "
            + "state store with a changelog (see [docs/mapping.md](docs/mapping.md#duplicates))."));
    public static final Setting<String> INPUT_TOPIC = declare(Setting.of("input.topic", "segment.events", text(),
            "Raw Segment events (JSON bytes)."));
    public static final Setting<String> REQUESTS_TOPIC = declare(Setting.of("requests.topic", "refiner.requests", text(),
            "Refiner requests (Avro)."));
    public static final Setting<String> RETRY_TOPIC = declare(Setting.of("retry.topic", "refiner.requests.retry", text(),
            "The lines of contacts that wait for a retry: the request to try again when due, and the later "
            + "requests held behind it. As many partitions as `requests.topic`."));
    public static final Setting<String> DLQ_TOPIC = declare(Setting.of("dlq.topic", "refiner.dlq", text(),
            "Dead letters of both stages; also Kafka Streams' `errors.dead.letter.queue.topic.name`."));
    public static final Setting<String> SUPPRESSIONS_TOPIC = declare(Setting.of("suppressions.topic", "refiner.suppressions", text(),
            "The suppression list: users deleted by a `delete` call, whose later events are skipped as `SUPPRESSED` "
            + "until an `unsuppress` call (or a tombstone). Compacted; every instance reads all of it as a table."));
    public static final Setting<Integer> TOPICS_PARTITIONS = declare(Setting.of("topics.partitions", "6", atLeast(1),
            "Partitions of the topics `run` creates when missing."));
    public static final Setting<Optional<Short>> TOPICS_REPLICATION_FACTOR = declare(Setting.of("topics.replication.factor", "-1", replicationFactor(),
            "Their replication factor; `-1` is the broker's `default.replication.factor`."));
    public static final Setting<Integer> EMBEDDED_BROKER_PORT = declare(Setting.of("embedded.broker.port", "9092", tcpPort(),
            "Port of the embedded broker (its controller takes the next one). Tools (`produce`, `replay`, "
            + "`topics`) reach `127.0.0.1:<embedded.broker.port>` when no `bootstrap.servers` is set."));
    public static final Setting<Boolean> INGEST_ENABLED = declare(Setting.of("ingest.enabled", "false", trueOrFalse(),
            "Whether `run` serves Segment's HTTP Tracking API as well."));
    public static final Setting<String> INGEST_HOST = declare(Setting.of("ingest.host", "127.0.0.1", text(),
            "Where the HTTP Tracking API listens."));
    public static final Setting<Integer> INGEST_PORT = declare(Setting.of("ingest.port", "8088", tcpPortOrAnyFree(),
            "Its port; `0` for any free one."));
    public static final Setting<Set<String>> INGEST_WRITE_KEYS = declare(Setting.optional("ingest.write.keys", writeKeys(),
            "The write keys it accepts, comma-separated (`wk_web,wk_ios`); required when it runs. A call with "
            + "none or another gets 401.").asSecret());
    public static final Setting<String> HTTP_HOST = declare(Setting.of("http.host", "127.0.0.1", text(),
            "Where `run` serves its status page (`GET /`, `GET /status.json`), `GET /health`, `GET /ready` and `GET /metrics`; `0.0.0.0` in a container."));
    public static final Setting<Integer> HTTP_PORT = declare(Setting.of("http.port", "8080", tcpPortOrAnyFree(),
            "Their port; `0` for any free one (printed at start)."));
    public static final Setting<Path> EMBEDDED_DATA_DIR = declare(Setting.of("embedded.data.dir", ".segment-refiner/kafka", path(),
            "Where the embedded broker keeps its data."));
    public static final Setting<String> APPLICATION_ID = declare(Setting.of("application.id", "segment-refiner", asGiven(),
            "Kafka Streams application id (consumer group, transactional ids); delivery's consumer group is "
            + "`<application.id>-deliver`, replay's checkpoints `<application.id>-replay-<NAME>`.").passedToKafka());
    public static final Setting<String> PROCESSING_GUARANTEE = declare(Setting.of("processing.guarantee", "exactly_once_v2", asGiven(),
            "Kafka Streams' guarantee for translation.").passedToKafka());

    /** The registry of the embedded default: schemas in a topic of its own broker, kept as long as the broker's data. */
    public static final String EMBEDDED_REGISTRY_URL = "kafka://_schemas";
    /** The static group membership of the embedded default's consumers. */
    public static final String EMBEDDED_INSTANCE_ID = "segment-refiner-embedded";

    /** This project's settings; every other key is Kafka's. */
    private static final Set<String> OWN_KEYS = DECLARED.stream().filter(setting -> !setting.kafka()).map(Setting::key)
            .collect(Collectors.toUnmodifiableSet());
    private static final Set<String> SECRET_KEYS = DECLARED.stream().filter(Setting::secret).map(Setting::key)
            .collect(Collectors.toUnmodifiableSet());
    private static final Map<String, String> DEFAULTS = defaults();
    private static final Set<String> KNOWN_KEYS = knownKeys();
    private static final List<String> KAFKA_PREFIXES = List.of(StreamsConfig.CONSUMER_PREFIX, StreamsConfig.MAIN_CONSUMER_PREFIX,
            StreamsConfig.RESTORE_CONSUMER_PREFIX, StreamsConfig.GLOBAL_CONSUMER_PREFIX, StreamsConfig.PRODUCER_PREFIX,
            StreamsConfig.ADMIN_CLIENT_PREFIX, StreamsConfig.TOPIC_PREFIX);

    private final Map<String, String> values;

    private AppConfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    private static <T> Setting<T> declare(Setting<T> setting) {
        DECLARED.add(setting);
        return setting;
    }

    /** Every declared setting, in the order of the README's table. */
    public static List<Setting<?>> settings() {
        return List.copyOf(DECLARED);
    }

    private static Map<String, String> defaults() {
        Map<String, String> defaults = new TreeMap<>();
        DECLARED.forEach(setting -> setting.defaultValue().ifPresent(value -> defaults.put(setting.key(), value)));
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

    public AppConfig with(Setting<?> setting, String value) {
        return with(setting.key(), value);
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

    /** Every key must be known, and every setting with a default must read; the others are read when a command needs them. */
    private static AppConfig check(Map<String, String> values) {
        for (String key : values.keySet()) {
            if (!isKnown(key)) {
                throw new ConfigException(key, "unknown setting; see the README for this project's settings, "
                        + "and Kafka's documentation for client and Streams settings");
            }
        }
        AppConfig config = new AppConfig(values);
        DECLARED.stream().filter(setting -> setting.defaultValue().isPresent()).forEach(setting -> config.value(setting));
        return config;
    }

    private static Set<String> knownKeys() {
        Set<String> known = new HashSet<>();
        DECLARED.forEach(setting -> known.add(setting.key()));
        known.addAll(StreamsConfig.configDef().names());
        known.addAll(ProducerConfig.configNames());
        known.addAll(ConsumerConfig.configNames());
        known.addAll(AdminClientConfig.configNames());
        return known;
    }

    private static boolean isKnown(String key) {
        return KNOWN_KEYS.contains(key) || KAFKA_PREFIXES.stream().anyMatch(key::startsWith);
    }

    /** The setting's value, read by its parser; a missing or wrong one is a {@link ConfigException} naming it. */
    public <T> T value(Setting<T> setting) {
        return setting.parser().parse(setting.key(), values.get(setting.key()));
    }

    /** The setting's value, or empty when it is not set or blank. */
    public <T> Optional<T> find(Setting<T> setting) {
        return find(setting.key()).map(text -> setting.parser().parse(setting.key(), text));
    }

    /** The text of any setting, this project's or Kafka's; a missing or blank one is a {@link ConfigException}. */
    public String get(String key) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, "required, and not set (in the --config file or as " + environmentVariable(key) + ")");
        }
        return value;
    }

    public String get(Setting<?> setting) {
        return get(setting.key());
    }

    public Optional<String> find(String key) {
        return Optional.ofNullable(values.get(key)).filter(value -> !value.isBlank());
    }

    /** The settings that pass on to Kafka: every key that is not this project's own, as given. */
    public Map<String, String> kafkaSettings() {
        Map<String, String> kafka = new TreeMap<>(values);
        kafka.keySet().removeAll(OWN_KEYS);
        return kafka;
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
        return bootstrapServers().isPresent() ? this : with(BOOTSTRAP_SERVERS, "127.0.0.1:" + value(EMBEDDED_BROKER_PORT));
    }

    public Optional<String> schemaRegistryUserInfo() {
        return find(BASIC_AUTH_USER_INFO).or(() -> find(SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO));
    }

    /** Every setting, secrets masked: what {@code run} may print. */
    public Map<String, String> redacted() {
        Map<String, String> shown = new TreeMap<>(values);
        shown.replaceAll((key, value) -> SECRET_KEYS.contains(key) || key.contains("password") || key.contains("jaas")
                ? "[hidden]" : value);
        return shown;
    }
}

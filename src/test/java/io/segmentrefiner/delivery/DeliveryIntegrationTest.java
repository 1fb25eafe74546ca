package io.segmentrefiner.delivery;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.deadletter.TextHeaders;
import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.app.DeliveryStage;
import io.segmentrefiner.app.GroupIds;
import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.deadletter.DeadLetterHeaders;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RefinerStub.Answer;
import io.segmentrefiner.harness.TopicReader;
import io.segmentrefiner.registry.ConfluentAvroSerde;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import io.segmentrefiner.harness.RequestRecords;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Delivery on a real broker to a real HTTP server standing in for Refiner: every outcome, as Refiner sees it. */
@ExtendWith(RealInfrastructure.class)
class DeliveryIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String API_KEY = "rk_live_do_not_log_me_42";

    private KafkaBrokerProcess broker;
    private RefinerStub stub;
    private AppConfig config;
    private String registryScope;
    private DeliveryEngine engine;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void setUp(KafkaBrokerProcess broker) throws Exception {
        this.broker = broker;
        stub = RefinerStub.start();
        registryScope = "delivery-it-" + UUID.randomUUID();
        Map<String, String> settings = PipelineSettings.forRun("delivery-it", broker, "mock://" + registryScope, stub.url(), API_KEY);
        settings.put(AppConfig.DELIVERY_MAX_IN_FLIGHT.key(), "16");
        settings.put(AppConfig.DELIVERY_RETRY_INITIAL_BACKOFF.key(), "50ms");
        settings.put(AppConfig.DELIVERY_RETRY_MAX_BACKOFF.key(), "400ms");
        settings.put(AppConfig.DELIVERY_REQUEST_TIMEOUT.key(), "2s");
        settings.put(AppConfig.DELIVERY_AUTH_PROBE_MAX.key(), "1s");
        config = AppConfig.of(settings);
        TranslationStage.createMissingTopics(config);
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        if (engine != null) {
            engine.close();
        }
        stub.close();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        assertThat(logs.list).as("no log line holds the API key")
                .noneMatch(event -> event.getFormattedMessage().contains(API_KEY)
                        || (event.getThrowableProxy() != null && event.getThrowableProxy().getMessage() != null
                        && event.getThrowableProxy().getMessage().contains(API_KEY)));
        InMemorySchemaRegistry.drop(registryScope);
    }

    private void startDelivery() throws Exception {
        engine = DeliveryStage.start(config, meters);
    }

    private static RefinerRequestRecord request(String messageId, String contact, String event) {
        return RequestRecords.track(messageId, contact, event);
    }

    /** Writes requests as translation does: Avro in the Confluent wire format, keyed by contact. */
    private void produce(List<RefinerRequestRecord> requests) throws Exception {
        ConfluentAvroSerde<RefinerRequestRecord> serde = new ConfluentAvroSerde<>(
                InMemorySchemaRegistry.scope(registryScope), RefinerRequestRecord.getClassSchema());
        try (KafkaProducer<String, RefinerRequestRecord> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), serde.serializer())) {
            for (RefinerRequestRecord request : requests) {
                String contact = request.getBody().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
                producer.send(new ProducerRecord<>(StageSettings.topics(config).requests(), contact, request));
            }
            producer.flush();
        }
    }

    private List<ConsumerRecord<byte[], byte[]>> deadLetters(int count) {
        return TopicReader.read(broker.bootstrapServers(), StageSettings.topics(config).deadLetters(), count, TIMEOUT,
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return TextHeaders.read(record.headers(), name).orElse(null);
    }

    /** Each retry partition committed past its last record of a line: only owner records may follow. */
    private boolean retriesCommittedPastTheirLines() throws Exception {
        Map<Integer, Long> lastOfALine = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : TopicReader.read(broker.bootstrapServers(), StageSettings.topics(config).retries(), 13, TIMEOUT,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            if (!TextHeaders.read(record.headers(), "refiner.retry.kind").orElse("").equals("owner")) {
                lastOfALine.merge(record.partition(), record.offset(), Math::max);
            }
        }
        try (Admin admin = Admin.create(KafkaClientSettings.admin(config))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GroupIds.delivery(config))
                    .partitionsToOffsetAndMetadata().get();
            return lastOfALine.entrySet().stream().allMatch(last -> {
                OffsetAndMetadata committed = offsets.get(new TopicPartition(StageSettings.topics(config).retries(), last.getKey()));
                return committed != null && committed.offset() > last.getValue();
            });
        }
    }

    private long committedOf(String topic) throws Exception {
        try (Admin admin = Admin.create(KafkaClientSettings.admin(config))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GroupIds.delivery(config))
                    .partitionsToOffsetAndMetadata().get();
            return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
                    .mapToLong(e -> e.getValue().offset()).sum();
        }
    }

    @Test
    void aDeliveredRequestReachesRefinerAsSentAndItsOffsetIsCommitted() throws Exception {
        startDelivery();
        produce(List.of(request("m-1", "u-1", "Survey Shown")));

        RefinerStub.Received received = Await.until("the request at the stub", TIMEOUT,
                () -> stub.delivered().isEmpty() ? null : stub.delivered().get(0));

        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.path()).isEqualTo("/v1/track-event");
        assertThat(received.body()).isEqualTo("{\"id\":\"u-1\",\"event\":\"Survey Shown\"}");
        assertThat(received.header("Authorization")).contains("Bearer " + API_KEY);
        assertThat(received.header("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(received.header("User-Agent")).hasValueSatisfying(agent -> assertThat(agent).startsWith("segment-refiner/"));
        assertThat(received.idempotencyKey()).isEqualTo("m-1");
        Await.until("the offset to be committed", TIMEOUT, () -> committedOf(StageSettings.topics(config).requests()) == 1);
        assertThat(engine.health()).isEqualTo(DeliveryHealth.RUNNING);
        assertThat(meters.get("refiner.delivery.delivered").counter().count()).isEqualTo(1.0);
        assertThat(meters.get("refiner.delivery.latency").timer().count()).isEqualTo(1);
        assertThat(meters.get("refiner.delivery.in.flight").gauge().value()).isZero();
    }

    @Test
    void aPermanentClientErrorIsDeadLetteredAtOnceWithStatusAndBody() throws Exception {
        stub.answer(request -> Answer.status(400).withBody("{\"error\":\"event name too long\"}"));
        startDelivery();
        produce(List.of(request("m-400", "u-4", "Bad")));

        ConsumerRecord<byte[], byte[]> deadLetter = deadLetters(1).get(0);

        assertThat(stub.received()).hasSize(1);
        assertThat(new String(deadLetter.key())).isEqualTo("u-4");
        assertThat(deadLetter.value()[0]).as("the request record's bytes, unchanged").isZero();
        assertThat(header(deadLetter, DeadLetterHeaders.STAGE)).isEqualTo("deliver");
        assertThat(header(deadLetter, DeadLetterHeaders.REASON)).isEqualTo("HTTP_4XX");
        assertThat(header(deadLetter, DeadLetterHeaders.HTTP_STATUS)).isEqualTo("400");
        assertThat(header(deadLetter, DeadLetterHeaders.ATTEMPTS)).isEqualTo("1");
        assertThat(header(deadLetter, DeadLetterHeaders.RESPONSE_BODY)).isEqualTo("{\"error\":\"event name too long\"}");
        assertThat(header(deadLetter, DeadLetterHeaders.ORIGIN_TOPIC)).isEqualTo(StageSettings.topics(config).requests());
        assertThat(header(deadLetter, DeadLetterHeaders.ORIGIN_OFFSET)).isEqualTo("0");
        assertThat(Instant.parse(header(deadLetter, DeadLetterHeaders.FIRST_ATTEMPT))).isBeforeOrEqualTo(Instant.parse(header(deadLetter, DeadLetterHeaders.LAST_ATTEMPT)));
        assertThat(header(deadLetter, DeadLetterHeaders.MESSAGE)).doesNotContain(API_KEY);
        assertThat(meters.get("refiner.delivery.dead.lettered").tag("reason", "HTTP_4XX").counter().count()).isEqualTo(1.0);
    }

    @Test
    void serverErrorsTimeoutsAndDroppedConnectionsAreRetriedUntilDelivered() throws Exception {
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        stub.answer(request -> {
            int attempt = attempts.computeIfAbsent(request.idempotencyKey(), k -> new AtomicInteger()).incrementAndGet();
            if (attempt > 1) {
                return Answer.ok();
            }
            return switch (request.idempotencyKey()) {
                case "m-500" -> Answer.status(500);
                case "m-503" -> Answer.status(503);
                case "m-408" -> Answer.status(408);
                case "m-drop" -> Answer.dropConnection();
                default -> Answer.ok().after(Duration.ofSeconds(3)); // longer than delivery.request.timeout
            };
        });
        startDelivery();
        produce(List.of(request("m-500", "a", "E"), request("m-503", "b", "E"), request("m-408", "c", "E"),
                request("m-drop", "d", "E"), request("m-slow", "e", "E")));

        // The stub answers the slow request's first attempt after the client gave up on it: it counts as sent twice.
        Await.until("a second attempt of each, answered", TIMEOUT, () -> attempts.size() == 5
                && attempts.values().stream().allMatch(count -> count.get() == 2)
                && stub.delivered().stream().filter(r -> !r.idempotencyKey().equals("m-slow")).count() == 4
                && stub.delivered().stream().filter(r -> r.idempotencyKey().equals("m-slow")).count() == 2);
        Await.until("the requests committed, and the retry topic past every line", TIMEOUT,
                () -> committedOf(StageSettings.topics(config).requests()) == 5 && retriesCommittedPastTheirLines());
        // Ten records of lines, and at least an owner record on each of the three partitions.
        List<String> kinds = TopicReader.read(broker.bootstrapServers(), StageSettings.topics(config).retries(), 13, TIMEOUT,
                        new ByteArrayDeserializer(), new ByteArrayDeserializer()).stream()
                .map(r -> TextHeaders.read(r.headers(), "refiner.retry.kind").orElse("")).filter(kind -> !kind.equals("owner")).toList();
        assertThat(kinds).as("a retry record for each, and the record that says its line ended")
                .containsOnly("retry", "resolved").hasSize(10);
        assertThat(TopicReader.endOffsets(broker.bootstrapServers(), StageSettings.topics(config).deadLetters()))
                .as("nothing dead-lettered (delivery writes without transactions: the end offset counts its records)").isZero();
    }

    @Test
    void a429sRetryAfterHoldsItsOwnRequestWhileOthersGoOn() throws Exception {
        AtomicBoolean throttledOnce = new AtomicBoolean();
        stub.answer(request -> request.idempotencyKey().equals("m-1") && throttledOnce.compareAndSet(false, true)
                ? Answer.status(429).withRetryAfter("2") : Answer.ok());
        startDelivery();
        produce(List.of(request("m-1", "a", "E")));
        Await.until("the 429", TIMEOUT, () -> stub.received().size() == 1);
        produce(List.of(request("m-2", "b", "E"), request("m-3", "c", "E")));

        Await.until("all three delivered", TIMEOUT, () -> stub.delivered().size() == 3);

        Instant throttledAt = stub.received().get(0).at();
        Map<String, Instant> deliveredAt = stub.delivered().stream()
                .collect(Collectors.toMap(RefinerStub.Received::idempotencyKey, RefinerStub.Received::at));
        assertThat(meters.get("refiner.delivery.throttled").counter().count()).isEqualTo(1.0);
        assertThat(meters.get("refiner.delivery.retried").counter().count()).isEqualTo(1.0);
        assertThat(Duration.between(throttledAt, deliveredAt.get("m-1"))).as("the throttled request waits its Retry-After")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1_950));
        assertThat(deliveredAt.get("m-2")).as("other contacts do not: one 429 is not a limit").isBefore(deliveredAt.get("m-1"));
        assertThat(deliveredAt.get("m-3")).isBefore(deliveredAt.get("m-1"));
    }

    @Test
    void aRetryAfterHoldsEverybodyWhenRefinerAcceptsNothing() throws Exception {
        // One partition: the six go out together, and their 429s come back before anything else can go.
        config = config.with(AppConfig.REQUESTS_TOPIC, StageSettings.topics(config).requests() + "-single")
                .with(AppConfig.RETRY_TOPIC, StageSettings.topics(config).retries() + "-single").with(AppConfig.TOPICS_PARTITIONS, "1");
        TranslationStage.createMissingTopics(config);
        AtomicBoolean refusing = new AtomicBoolean(true);
        stub.answer(request -> refusing.get() ? Answer.status(429).withRetryAfter("2") : Answer.ok());
        startDelivery();
        List<RefinerRequestRecord> first = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            first.add(request("m-" + i, "u-" + i, "E"));
        }
        produce(first);
        Await.until("six 429s", TIMEOUT, () -> stub.received().size() >= 6);
        Instant lastRefused = stub.received().get(stub.received().size() - 1).at();
        refusing.set(false);
        produce(List.of(request("m-late", "u-late", "E")));

        Await.until("all seven delivered", TIMEOUT, () -> stub.delivered().size() == 7);

        RefinerStub.Received late = stub.delivered().stream().filter(r -> r.idempotencyKey().equals("m-late")).findFirst().orElseThrow();
        assertThat(Duration.between(lastRefused, late.at())).as("nothing went out during the Retry-After, a new contact neither; "
                        + "the stub received " + stub.received().stream().map(r -> r.idempotencyKey() + "@" + r.at()).toList())
                .isGreaterThanOrEqualTo(Duration.ofMillis(1_500));
        assertThat(TopicReader.endOffsets(broker.bootstrapServers(), StageSettings.topics(config).deadLetters())).isZero();
    }

    @Test
    void requestsThatNeverSucceedAreDeadLetteredWhenTheRetryWindowEnds() throws Exception {
        config = config.with(AppConfig.DELIVERY_RETRY_MAX_DURATION, "1s");
        stub.answer(request -> Answer.status(500));
        startDelivery();
        produce(List.of(request("m-1", "a", "E")));

        ConsumerRecord<byte[], byte[]> deadLetter = deadLetters(1).get(0);

        assertThat(header(deadLetter, DeadLetterHeaders.REASON)).isEqualTo("RETRIES_EXHAUSTED");
        assertThat(header(deadLetter, DeadLetterHeaders.HTTP_STATUS)).isEqualTo("500");
        assertThat(Integer.parseInt(header(deadLetter, DeadLetterHeaders.ATTEMPTS))).isGreaterThan(1).isEqualTo(stub.received().size());
        assertThat(header(deadLetter, DeadLetterHeaders.ORIGIN_TOPIC)).as("the origin survives the retries").isEqualTo(StageSettings.topics(config).requests());
        assertThat(deadLetter.headers().toArray()).noneMatch(h -> h.key().startsWith("refiner.retry."));
    }

    @Test
    void aRefusedKeyPausesDeliveryWithoutDeadLetteringAndResumesWhenAccepted() throws Exception {
        AtomicBoolean keyWorks = new AtomicBoolean(false);
        stub.answer(request -> keyWorks.get() ? Answer.ok() : Answer.status(401));
        startDelivery();
        List<RefinerRequestRecord> requests = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            requests.add(request("m-" + i, "u-" + (i % 5), "E" + i));
        }
        produce(requests);

        Await.until("delivery to pause", TIMEOUT, () -> engine.health() == DeliveryHealth.PAUSED_UNAUTHORIZED);
        assertThat(engine.health().healthy()).isFalse();
        assertThat(meters.get("refiner.delivery.paused").gauge().value()).isEqualTo(1.0);
        Await.until("a second probe", TIMEOUT, () -> stub.received().size() >= 5);
        int refusedSoFar = stub.received().size();
        assertThat(refusedSoFar).as("a pause, not the whole stream tried").isLessThan(30);
        keyWorks.set(true);

        Await.until("everything delivered", TIMEOUT, () -> stub.delivered().size() == 30);
        assertThat(engine.health()).isEqualTo(DeliveryHealth.RUNNING);
        assertThat(TopicReader.endOffsets(broker.bootstrapServers(), StageSettings.topics(config).deadLetters()))
                .as("nothing dead-lettered (delivery writes without transactions: the end offset counts its records)").isZero();
        assertThat(logs.list.stream().filter(e -> e.getFormattedMessage().contains("refused the API key")).count())
                .as("one clear error, not one per request").isEqualTo(1);
        assertInOrderPerContact(stub.delivered());
    }

    @Test
    void eachContactsRequestsArriveInProductionOrder() throws Exception {
        stub.answer(request -> Answer.ok().after(Duration.ofMillis(ThreadLocalRandom.current().nextInt(0, 15))));
        startDelivery();
        List<RefinerRequestRecord> requests = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            requests.add(request("m-" + i, "contact-" + (i % 40), "E" + i));
        }
        produce(requests);

        Await.until("600 delivered", TIMEOUT, () -> stub.delivered().size() == 600);

        assertThat(stub.received()).hasSize(600);
        assertInOrderPerContact(stub.received());
        Set<String> contactsInFlightTogether = stub.received().stream().map(r -> r.body()).collect(Collectors.toSet());
        assertThat(contactsInFlightTogether).hasSize(600);
    }

    /** Within each contact, the event numbers rise in the order the stub received them. */
    private static void assertInOrderPerContact(List<RefinerStub.Received> received) {
        Map<String, List<Integer>> byContact = new LinkedHashMap<>();
        for (RefinerStub.Received request : received) {
            String contact = request.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
            int number = Integer.parseInt(request.idempotencyKey().substring(2));
            byContact.computeIfAbsent(contact, c -> new ArrayList<>()).add(number);
        }
        Map<String, List<Integer>> outOfOrder = new HashMap<>();
        byContact.forEach((contact, numbers) -> {
            List<Integer> sorted = numbers.stream().sorted().toList();
            if (!sorted.equals(numbers)) {
                outOfOrder.put(contact, numbers);
            }
        });
        assertThat(outOfOrder).as("contacts whose requests arrived out of order").isEmpty();
    }
}

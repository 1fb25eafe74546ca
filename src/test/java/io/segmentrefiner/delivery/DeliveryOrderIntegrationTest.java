package io.segmentrefiner.delivery;

import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.ApicurioRegistryProcess;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.ContactOrder;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RefinerStub.Answer;
import io.segmentrefiner.harness.RequestRecords;
import io.segmentrefiner.harness.RunningApplication;
import io.segmentrefiner.harness.TopicReader;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per contact, Refiner accepts requests in the order translation wrote them, though a third of first attempts
 * fail and the application is killed (SIGKILL) and started again in the middle: a contact whose request waits for
 * a retry holds its later ones back, and whoever reads the partitions next knows it.
 */
@ExtendWith(RealInfrastructure.class)
class DeliveryOrderIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final int CONTACTS = 60;
    private static final int PER_CONTACT = 40;

    private RefinerStub stub;
    private RunningApplication app;

    @AfterEach
    void tearDown() {
        if (app != null) {
            app.close();
        }
        stub.close();
    }

    @Test
    void eachContactsRequestsAreAcceptedInProducedOrderThroughRetriesAndAKill(KafkaBrokerProcess broker, ApicurioRegistryProcess registry)
            throws Exception {
        stub = RefinerStub.start();
        Set<String> triedOnce = ConcurrentHashMap.newKeySet();
        // The contacts with a request at the stub now, and the most there were at once.
        Map<String, Integer> inFlight = new ConcurrentHashMap<>();
        AtomicInteger mostContactsInFlight = new AtomicInteger();
        stub.answer(request -> {
            String contact = RequestRecords.contactOf(request.body());
            inFlight.merge(contact, 1, Integer::sum);
            mostContactsInFlight.accumulateAndGet(inFlight.size(), Math::max);
            try {
                boolean first = triedOnce.add(request.idempotencyKey());
                if (first && Math.floorMod(request.idempotencyKey().hashCode(), 3) == 0) {
                    return Answer.status(500);
                }
                Thread.sleep(ThreadLocalRandom.current().nextInt(1, 6)); // on the stub's thread, as Answer.after would
                return Answer.ok();
            } catch (InterruptedException stubClosing) {
                Thread.currentThread().interrupt();
                return Answer.status(503);
            } finally {
                inFlight.computeIfPresent(contact, (key, requests) -> requests == 1 ? null : requests - 1);
            }
        });
        Map<String, String> settings = PipelineSettings.forRun("order-it", broker, registry.url(), stub.url(), "rk_order_test");
        // The killed instance's group membership ends after this, and its restart takes the partitions over.
        settings.put("session.timeout.ms", "6000");
        settings.put(AppConfig.DELIVERY_RETRY_MAX_BACKOFF.key(), "1s");
        AppConfig config = AppConfig.of(settings);
        app = RunningApplication.start("run", RealInfrastructure.workDir("order-it"), settings, Map.of());
        app.awaitLog("Delivering ", TIMEOUT);
        produce(broker, config);
        int events = CONTACTS * PER_CONTACT;

        Await.until("a third delivered", TIMEOUT, () -> {
            app.assertAlive();
            return delivered().size() >= events / 3;
        });
        app.kill();
        app.restart();
        Await.until("every request delivered", TIMEOUT, () -> {
            app.assertAlive();
            return delivered().size() == events;
        });

        List<RefinerStub.Received> accepted = stub.delivered();
        Map<String, List<Integer>> outOfOrder = ContactOrder.violations(accepted, r -> RequestRecords.contactOf(r.body()),
                r -> Integer.parseInt(r.idempotencyKey().substring(r.idempotencyKey().indexOf('-') + 1)));
        assertThat(outOfOrder).as("contacts whose requests Refiner accepted out of order").isEmpty();
        assertThat(mostContactsInFlight.get()).as("the most contacts with a request in flight at once: the order is not had by sending one at a time")
                .isGreaterThan(1);
        assertThat(stub.received().size() - accepted.size()).as("a third of first attempts failed").isGreaterThan(events / 4);
        assertThat(TopicReader.countCommitted(broker.bootstrapServers(), StageSettings.topics(config).deadLetters())).as("nothing dead-lettered").isZero();
        System.out.printf("Order: %d requests of %d contacts, %d answered 500 first, %d duplicate deliveries after the kill, "
                + "at most %d contacts in flight at once%n", events, CONTACTS, stub.received().size() - accepted.size(), accepted.size() - events,
                mostContactsInFlight.get());
    }

    /** Each contact's track events, interleaved with the others', keyed by the contact. */
    private static void produce(KafkaBrokerProcess broker, AppConfig config) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new StringSerializer())) {
            for (int sequence = 0; sequence < PER_CONTACT; sequence++) {
                for (int contact = 0; contact < CONTACTS; contact++) {
                    String user = "user-" + contact;
                    producer.send(new ProducerRecord<>(StageSettings.topics(config).input(), user, "{\"type\":\"track\",\"messageId\":\"" + contact + "-"
                            + sequence + "\",\"userId\":\"" + user + "\",\"event\":\"Step " + sequence + "\"}"));
                }
            }
            producer.flush();
        }
    }

    private Set<String> delivered() {
        return stub.delivered().stream().map(RefinerStub.Received::idempotencyKey).collect(Collectors.toSet());
    }
}

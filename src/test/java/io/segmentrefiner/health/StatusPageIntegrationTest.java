package io.segmentrefiner.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.HeadlessChromium;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RefinerStub.Answer;
import io.segmentrefiner.harness.RunningApplication;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status page as a person sees it: {@code run} delivers to a stand-in that refuses some requests and fails one
 * once, and headless Chromium loads the page and runs its scripts; the DOM they leave shows the counts the stand-in
 * recorded, each failure with its description and sample, the dead letters waiting, each stage's lag, and no secret.
 * Skipped, saying so, where no Chromium is installed ({@code .ci/run} installs it).
 */
@ExtendWith(RealInfrastructure.class)
class StatusPageIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final Duration SCRIPT_TIME = Duration.ofSeconds(4);
    private static final String API_KEY = "rk_status_page_secret_7f3a9c01";
    private static final int GOOD_USERS = 20;

    private final ObjectMapper json = new ObjectMapper();
    private KafkaBrokerProcess broker;
    private RefinerStub stub;
    private RunningApplication app;

    @BeforeEach
    void setUp(KafkaBrokerProcess broker) {
        this.broker = broker;
        stub = RefinerStub.start();
        AtomicBoolean failedOnce = new AtomicBoolean();
        stub.answer(request -> {
            if (request.body().contains("u-refused")) {
                return Answer.status(400).withBody("{\"message\":\"Invalid attribute: plan must be a string\"}");
            }
            if (request.body().contains("u-flaky") && failedOnce.compareAndSet(false, true)) {
                return Answer.status(503).withBody("upstream unavailable");
            }
            return Answer.ok();
        });
    }

    @AfterEach
    void tearDown() {
        if (app != null) {
            app.close();
        }
        stub.close();
    }

    @Test
    void showsWhatTheStandInRecordedEachFailureWithItsSampleAndNoSecret() throws Exception {
        HeadlessChromium chromium = browser("status-page-it");
        Map<String, String> settings = startRun("status-page");
        String input = settings.get(AppConfig.INPUT_TOPIC.key());

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < GOOD_USERS; i++) {
                producer.send(new ProducerRecord<>(input, "u-" + i,
                        "{\"type\":\"track\",\"messageId\":\"good-" + i + "\",\"userId\":\"u-" + i + "\",\"event\":\"Survey Shown\"}"));
            }
            for (int i = 0; i < 2; i++) {
                producer.send(new ProducerRecord<>(input, "u-refused",
                        "{\"type\":\"identify\",\"messageId\":\"refused-" + i + "\",\"userId\":\"u-refused\",\"traits\":{\"plan\":" + i + "}}"));
            }
            producer.send(new ProducerRecord<>(input, "u-flaky",
                    "{\"type\":\"track\",\"messageId\":\"flaky\",\"userId\":\"u-flaky\",\"event\":\"Survey Answered\"}"));
            producer.send(new ProducerRecord<>(input, "u-nameless",
                    "{\"type\":\"track\",\"messageId\":\"nameless\",\"userId\":\"u-nameless\",\"event\":\"  \"}"));
            producer.send(new ProducerRecord<>(input, "u-off",
                    "{\"type\":\"track\",\"messageId\":\"off\",\"userId\":\"u-off\",\"event\":\"E\",\"integrations\":{\"Refiner\":false}}"));
            producer.flush();
        }

        Await.until("the stand-in to accept the good events and the flaky one's retry, and refuse the two", TIMEOUT, () -> {
            app.assertAlive();
            return stub.delivered().size() == GOOD_USERS + 1 && refused() == 2;
        });
        // The page shows what the instance's readers last read: the dead letters every 15 s, the lag likewise.
        JsonNode status = Await.until("/status.json to show the dead letters waiting and the delivered requests", TIMEOUT, () -> {
            JsonNode now = json.readTree(app.get("/status.json").body());
            boolean deadLettersRead = waiting(now, "HTTP_4XX") == 2 && waiting(now, "MISSING_EVENT") == 1;
            boolean lagRead = StreamSupport.stream(now.get("lag").spliterator(), false).allMatch(row -> row.get("records").isNumber());
            return deadLettersRead && lagRead && total(now, "delivery", "delivered", "NONE") == GOOD_USERS + 1 ? now : null;
        });
        assertThat(total(status, "translation", "request", "NONE")).isEqualTo(GOOD_USERS + 3);

        Document page = Jsoup.parse(chromium.dumpDom("http://127.0.0.1:" + app.httpPort() + "/", SCRIPT_TIME));

        assertThat(page.body().attr("data-rendered")).as("the script rendered /status.json").isNotEmpty();
        assertThat(page.getElementById("instance").text()).contains("This instance only", settings.get("application.id"), "roles translate, deliver");
        assertThat(tile(page, "delivered")).as("delivered, as the stand-in answered 2xx").isEqualTo(Integer.toString(stub.delivered().size()));
        assertThat(tile(page, "retried")).isEqualTo("1");
        assertThat(tile(page, "delivery-dead-lettered")).isEqualTo("2");
        assertThat(tile(page, "translation-dead-lettered")).isEqualTo("1");
        assertThat(tile(page, "requests")).isEqualTo(Integer.toString(GOOD_USERS + 3));

        Element refusedRow = page.selectFirst("#failures tr[data-code=HTTP_4XX]");
        assertThat(refusedRow).as("the refused requests' row").isNotNull();
        assertThat(refusedRow.selectFirst(".count").text()).isEqualTo("2");
        assertThat(refusedRow.text()).contains("Refiner refused the request with a 4xx", "replay");
        assertThat(refusedRow.selectFirst("pre.request-body").text()).contains("\"id\":\"u-refused\"");
        assertThat(refusedRow.text()).contains("POST /v1/identify-user", "HTTP 400");
        assertThat(refusedRow.selectFirst("pre.answer-body").text()).isEqualTo("{\"message\":\"Invalid attribute: plan must be a string\"}");

        Element serverError = page.selectFirst("#failures tr[data-code=SERVER_ERROR]");
        assertThat(serverError).as("the 503's row").isNotNull();
        assertThat(serverError.selectFirst(".count").text()).isEqualTo("1");
        assertThat(serverError.text()).contains("HTTP 503", "upstream unavailable", "u-flaky");

        Element nameless = page.selectFirst("#failures tr[data-code=MISSING_EVENT][data-stage=translate]");
        assertThat(nameless).as("translation's dead letter").isNotNull();
        assertThat(nameless.selectFirst(".count").text()).isEqualTo("1");
        assertThat(nameless.selectFirst("pre.event").text()).contains("\"messageId\":\"nameless\"");

        assertThat(page.selectFirst("#dead-letters tr[data-reason=HTTP_4XX][data-stage=deliver] .waiting").text()).isEqualTo("2");
        assertThat(page.selectFirst("#dead-letters tr[data-reason=MISSING_EVENT][data-stage=translate] .waiting").text()).isEqualTo("1");
        assertThat(page.select("#lag tr[data-stage]")).extracting(row -> row.attr("data-stage")).containsExactly("translate", "deliver", "retry");
        assertThat(page.selectFirst("#skipped tr[data-reason=DISABLED] .count").text()).isEqualTo("1");
        assertThat(page.selectFirst("#skipped tr[data-reason=DISABLED]").text()).contains("The event's integrations turn Refiner off.");
        assertThat(page.selectFirst("#translation-legend [data-outcome=request]").text()).isEqualTo("requests " + (GOOD_USERS + 3));
        assertThat(page.select("#delivery-chart svg rect")).as("the delivery chart's bars").isNotEmpty();

        assertThat(page.outerHtml()).as("the page after its scripts ran").doesNotContain(API_KEY);
        assertThat(app.get("/status.json").body()).doesNotContain(API_KEY);
        assertThat(app.get("/metrics").body()).doesNotContain(API_KEY);

        // What docs/status-page.png shows, taken the same way: on a laptop's screen and on a phone's.
        chromium.screenshot("http://127.0.0.1:" + app.httpPort() + "/", SCRIPT_TIME, 1280, 1500, Path.of("target", "status-page.png"));
        chromium.screenshot("http://127.0.0.1:" + app.httpPort() + "/", SCRIPT_TIME, 390, 2400, Path.of("target", "status-page-phone.png"));
    }

    @Test
    void saysDeliveryIsPausedWhenRefinerRefusesTheKey() throws Exception {
        HeadlessChromium chromium = browser("status-page-paused-it");
        stub.answer(request -> Answer.status(401).withBody("{\"message\":\"Invalid API key\"}"));
        Map<String, String> settings = startRun("status-page-paused");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(settings.get(AppConfig.INPUT_TOPIC.key()), "u-1",
                    "{\"type\":\"track\",\"messageId\":\"m-1\",\"userId\":\"u-1\",\"event\":\"Survey Shown\"}"));
        }
        Await.until("/status.json to say delivery is paused", TIMEOUT, () -> {
            app.assertAlive();
            return json.readTree(app.get("/status.json").body()).path("delivery").path("paused").asBoolean();
        });

        int refusedBefore = stub.received().size(); // delivery probes on with backoff while the page loads
        Document page = Jsoup.parse(chromium.dumpDom("http://127.0.0.1:" + app.httpPort() + "/", SCRIPT_TIME));
        int refusedAfter = stub.received().size();

        Element banner = page.getElementById("banner");
        assertThat(banner.attr("data-state")).isEqualTo("bad");
        assertThat(banner.text()).startsWith("Delivery paused:").contains("401");
        Element unauthorized = page.selectFirst("#failures tr[data-code=UNAUTHORIZED]");
        assertThat(unauthorized).as("the 401s' row").isNotNull();
        assertThat(Long.parseLong(unauthorized.selectFirst(".count").text())).isBetween((long) refusedBefore, (long) refusedAfter);
        assertThat(unauthorized.text()).contains("HTTP 401", "Invalid API key", "REFINER_API_KEY");
        assertThat(tile(page, "delivered")).isEqualTo("0");
        assertThat(stub.received()).allSatisfy(request -> assertThat(request.header("Authorization")).hasValueSatisfying(
                header -> assertThat(header).contains(API_KEY))); // the key was sent, so the page had it within reach
        assertThat(page.outerHtml()).doesNotContain(API_KEY);
    }

    private static HeadlessChromium browser(String workName) {
        Optional<HeadlessChromium> chromium = HeadlessChromium.find(RealInfrastructure.workDir(workName));
        Assumptions.assumeTrue(chromium.isPresent(),
                "No Chromium on the PATH: the status page is not tested in a browser here (apt-get install chromium; .ci/run does)");
        return chromium.get();
    }

    /** {@code run} delivering to the stand-in with the secret key; its settings. */
    private Map<String, String> startRun(String name) {
        Map<String, String> settings = PipelineSettings.forRun(name, broker);
        settings.put(AppConfig.SCHEMA_REGISTRY_URL.key(), "kafka://_schemas-" + PipelineSettings.runOf(settings));
        settings.put(AppConfig.REFINER_API_URL.key(), stub.url());
        settings.put(AppConfig.REFINER_API_KEY.key(), API_KEY);
        app = RunningApplication.start(name, RealInfrastructure.workDir(name), settings, Map.of());
        app.awaitLog("Delivery status page on", TIMEOUT);
        return settings;
    }

    private long refused() {
        return stub.received().stream().filter(request -> request.body().contains("u-refused")).count();
    }

    private static long waiting(JsonNode status, String reason) {
        for (JsonNode row : status.get("deadLettersWaiting")) {
            if (row.get("reason").asText().equals(reason)) {
                return row.get("waiting").asLong();
            }
        }
        return 0;
    }

    private static long total(JsonNode status, String stage, String outcome, String reason) {
        for (JsonNode row : status.get("totals")) {
            if (row.get("stage").asText().equals(stage) && row.get("outcome").asText().equals(outcome) && row.get("reason").asText().equals(reason)) {
                return row.get("count").asLong();
            }
        }
        return -1;
    }

    private static String tile(Document page, String id) {
        Element value = page.selectFirst("#tile-" + id + " .value");
        assertThat(value).as("the tile " + id).isNotNull();
        return value.text();
    }
}

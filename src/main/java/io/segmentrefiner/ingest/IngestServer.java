package io.segmentrefiner.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.http.JettyServer;
import io.segmentrefiner.refiner.Contact;
import io.segmentrefiner.segment.SegmentEvent;
import io.segmentrefiner.segment.SegmentMessagePreparer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Segment's HTTP Tracking API on Jetty, writing each accepted event to the input topic keyed by contact. It answers
 * 200 only once the broker has acknowledged every event of the call, so a client that saw 200 can forget them; when
 * the broker does not acknowledge in time it answers 503, which Segment's libraries retry.
 */
public final class IngestServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IngestServer.class);
    private static final Duration ACKNOWLEDGEMENT_WAIT = Duration.ofSeconds(15);

    private final JettyServer server;
    private final KafkaProducer<String, byte[]> producer;

    private IngestServer(JettyServer server, KafkaProducer<String, byte[]> producer) {
        this.server = server;
        this.producer = producer;
    }

    /**
     * @param producerSettings the settings of the producer: KafkaClientSettings.producer(AppConfig)
     * @param port             0 for any free port
     */
    public static IngestServer start(String host, int port, Set<String> writeKeys, String topic,
                                     Map<String, Object> producerSettings) throws Exception {
        Map<String, Object> settings = new HashMap<>(producerSettings);
        // Fail a call within seconds when the broker is away, so that the client hears 503 and retries.
        settings.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        settings.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        settings.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer());
        // Each call waits for the broker's acknowledgements: 64 calls can wait at once.
        JettyServer server = JettyServer.start("segment-refiner-ingest", host, port, 64,
                new TrackingApi(new TrackingRequest(new ObjectMapper(), writeKeys), producer, topic));
        return new IngestServer(server, producer);
    }

    public int port() {
        return server.port();
    }

    private static final class TrackingApi extends Handler.Abstract {

        private final TrackingRequest tracking;
        private final KafkaProducer<String, byte[]> producer;
        private final String topic;
        private final ObjectMapper json = new ObjectMapper();

        TrackingApi(TrackingRequest tracking, KafkaProducer<String, byte[]> producer, String topic) {
            this.tracking = tracking;
            this.producer = producer;
            this.topic = topic;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (!HttpMethod.POST.is(request.getMethod())) {
                return answer(response, callback, 405, false, "POST only");
            }
            byte[] body = readAtMost(request, TrackingRequest.BATCH_LIMIT + 1);
            TrackingRequest.Answer answer = tracking.handle(Request.getPathInContext(request),
                    Optional.ofNullable(request.getHeaders().get(HttpHeader.AUTHORIZATION)),
                    Optional.ofNullable(request.getHeaders().get(HttpHeader.CONTENT_ENCODING)), body, Instant.now());
            if (answer instanceof TrackingRequest.Failure failure) {
                return answer(response, callback, failure.status(), false, failure.message());
            }
            List<TrackingRequest.Event> events = ((TrackingRequest.Success) answer).events();
            return write(events) ? answer(response, callback, 200, true, null)
                    : answer(response, callback, 503, false, "The events could not be stored now; retry later");
        }

        /** Sends every event and waits for every acknowledgement. */
        private boolean write(List<TrackingRequest.Event> events) throws InterruptedException {
            List<Future<RecordMetadata>> sent = new ArrayList<>(events.size());
            try {
                for (TrackingRequest.Event event : events) {
                    byte[] value = event.bytes();
                    SegmentEvent segment = new SegmentEvent(event.json(), value);
                    String key = SegmentMessagePreparer.partitionKey(segment, Contact::personOf).orElseThrow();
                    sent.add(producer.send(new ProducerRecord<>(topic, key, value)));
                }
                long deadline = System.nanoTime() + ACKNOWLEDGEMENT_WAIT.toNanos();
                for (Future<RecordMetadata> future : sent) {
                    future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                return true;
            } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
                log.warn("Events not acknowledged by the broker, answering 503: {}", e.toString());
                return false;
            }
        }

        private boolean answer(Response response, Callback callback, int status, boolean success, String message) throws IOException {
            ObjectNode body = json.createObjectNode().put("success", success);
            if (message != null) {
                body.put("message", message);
            }
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            Content.Sink.write(response, true, json.writeValueAsString(body), callback);
            return true;
        }

        private static byte[] readAtMost(Request request, int limit) throws IOException {
            try (InputStream in = Content.Source.asInputStream(request)) {
                return in.readNBytes(limit);
            }
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        producer.close(Duration.ofSeconds(10));
    }
}

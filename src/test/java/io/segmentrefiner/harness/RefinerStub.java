package io.segmentrefiner.harness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A stand-in for Refiner's API on loopback: a real HTTP server that records every request and answers as the
 * test says: any status, a {@code Retry-After}, a delay, or a dropped connection.
 */
public final class RefinerStub implements AutoCloseable {

    /** What the stub received. */
    public record Received(Instant at, String method, String path, Map<String, String> headers, String body) {
        public Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst();
        }

        public String idempotencyKey() {
            return header("Idempotency-Key").orElse("");
        }
    }

    /** How to answer. */
    public record Answer(int status, String body, Optional<String> retryAfter, Duration delay, boolean drop) {
        public static Answer status(int status) {
            return new Answer(status, status / 100 == 2 ? "{\"success\":true}" : "{\"error\":\"status " + status + "\"}",
                    Optional.empty(), Duration.ZERO, false);
        }

        public static Answer ok() {
            return status(200);
        }

        public static Answer dropConnection() {
            return new Answer(0, "", Optional.empty(), Duration.ZERO, true);
        }

        public Answer withRetryAfter(String value) {
            return new Answer(status, body, Optional.of(value), delay, drop);
        }

        public Answer withBody(String text) {
            return new Answer(status, text, retryAfter, delay, drop);
        }

        public Answer after(Duration wait) {
            return new Answer(status, body, retryAfter, wait, drop);
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(256);
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Received> answeredOk = new CopyOnWriteArrayList<>();
    private volatile Function<Received, Answer> behaviour = request -> Answer.ok();

    private RefinerStub(HttpServer server) {
        this.server = server;
    }

    public static RefinerStub start() {
        return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /** On the given address: a stub in a container listens on all of the container's interfaces. */
    public static RefinerStub start(InetSocketAddress address) {
        // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's delayed ACK:
        // 40 ms more per request, which a throughput measurement must not see.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        try {
            HttpServer server = HttpServer.create(address, 512);
            RefinerStub stub = new RefinerStub(server);
            server.createContext("/", stub::handle);
            server.setExecutor(stub.threads);
            server.start();
            return stub;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Sets how the stub answers from now on. */
    public void answer(Function<Received, Answer> behaviour) {
        this.behaviour = behaviour;
    }

    /** Every request received, in the order they arrived. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The requests answered with a 2xx, in the order they were answered. */
    public List<Received> delivered() {
        return List.copyOf(answeredOk);
    }

    private void handle(HttpExchange exchange) throws IOException {
        Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, String.join(",", values)));
        Received request = new Received(Instant.now(), exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                Map.copyOf(headers), new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        received.add(request);
        Answer answer = behaviour.apply(request);
        if (!answer.delay().isZero()) {
            try {
                Thread.sleep(answer.delay().toMillis()); // the stub's simulated latency, on a thread of its own
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        respond(exchange, request, answer);
    }

    private void respond(HttpExchange exchange, Received request, Answer answer) {
        try {
            if (answer.drop()) {
                exchange.getResponseBody().close();
                exchange.close();
                return;
            }
            answer.retryAfter().ifPresent(value -> exchange.getResponseHeaders().add("Retry-After", value));
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            if (answer.status() / 100 == 2) {
                answeredOk.add(request);
            }
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
        } catch (IOException clientGone) {
            // the client gave up (a timeout under test); nothing to answer
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}

package io.segmentrefiner.harness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * {@link RefinerStub} as a program of its own, for a container on a network a test made: the API on port 8080,
 * answering every request with a 200 after {@code STUB_DELAY_MS} (default 20), and on port 8081 what it was sent,
 * for the test on the host: {@code GET /delivered} is one line per request answered with a 2xx,
 * {@code <epoch millis> <Idempotency-Key> <method> <path>}, in the order answered. It needs the JDK only, so it runs
 * on the runtime image from the test classes.
 */
public final class RefinerStubServer {

    public static final int API_PORT = 8080;
    public static final int CONTROL_PORT = 8081;

    private RefinerStubServer() {
    }

    public static void main(String[] args) throws Exception {
        Duration delay = Duration.ofMillis(Long.parseLong(System.getenv().getOrDefault("STUB_DELAY_MS", "20")));
        RefinerStub stub = RefinerStub.start(new InetSocketAddress(API_PORT));
        stub.answer(request -> RefinerStub.Answer.ok().after(delay));
        HttpServer control = HttpServer.create(new InetSocketAddress(CONTROL_PORT), 16);
        control.createContext("/delivered", exchange -> send(exchange, lines(stub.delivered())));
        control.start();
        System.out.println("Refiner stand-in listening on " + API_PORT + ", control on " + CONTROL_PORT);
        new CountDownLatch(1).await(); // until the container stops
    }

    private static String lines(List<RefinerStub.Received> requests) {
        return requests.stream()
                .map(request -> request.at().toEpochMilli() + " " + request.idempotencyKey() + " " + request.method() + " " + request.path())
                .collect(Collectors.joining("\n", "", requests.isEmpty() ? "" : "\n"));
    }

    private static void send(HttpExchange exchange, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }
}

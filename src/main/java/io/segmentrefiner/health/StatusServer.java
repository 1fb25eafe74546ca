package io.segmentrefiner.health;

import io.segmentrefiner.http.JettyServer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * {@code GET /health} (live), {@code GET /ready} (doing its job), {@code GET /metrics} (Prometheus text format) and
 * the status page: {@code GET /} (HTML whose script draws {@code /status.json}, from the jar alone) and
 * {@code GET /status.json}, on Jetty. Health and readiness answer 200 or 503 with a JSON body that says why.
 */
public final class StatusServer implements AutoCloseable {

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String PAGE = "status.html";

    private final JettyServer server;
    private final Routes routes;

    private StatusServer(JettyServer server, Routes routes) {
        this.server = server;
        this.routes = routes;
    }

    /** Starts listening on {@code host:port} (port 0: any free port); the status page answers 503 until {@link #show}. */
    public static StatusServer start(String host, int port, Health health, PrometheusMeterRegistry metrics) throws Exception {
        String page;
        try (InputStream in = StatusServer.class.getResourceAsStream(PAGE)) {
            page = new String(Objects.requireNonNull(in, PAGE).readAllBytes(), StandardCharsets.UTF_8);
        }
        Routes routes = new Routes(health, metrics, page);
        return new StatusServer(JettyServer.start("segment-refiner-http", host, port, 8, routes), routes);
    }

    public int port() {
        return server.port();
    }

    /** What {@code /status.json} serves from now on. */
    public void show(StatusReport report) {
        routes.report = report;
    }

    private static final class Routes extends Handler.Abstract.NonBlocking {

        private final Health health;
        private final PrometheusMeterRegistry metrics;
        private final String page;
        private final ObjectMapper json = new ObjectMapper();
        private volatile StatusReport report;

        Routes(Health health, PrometheusMeterRegistry metrics, String page) {
            this.health = health;
            this.metrics = metrics;
            this.page = page;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (!HttpMethod.GET.is(request.getMethod())) {
                return answer(response, callback, 405, "text/plain; charset=utf-8", "GET only\n");
            }
            return switch (Request.getPathInContext(request)) {
                case "/health" -> state(response, callback, health.notLive(), "UP", "DOWN");
                case "/ready" -> state(response, callback, health.notReady(), "READY", "NOT_READY");
                case "/metrics" -> answer(response, callback, 200, PROMETHEUS_TEXT, metrics.scrape());
                case "/", "/index.html" -> answer(response, callback, 200, "text/html; charset=utf-8", page);
                case "/status.json" -> report == null
                        ? answer(response, callback, 503, "application/json", "{\"status\":\"STARTING\"}\n")
                        : answer(response, callback, 200, "application/json", json.writeValueAsString(report.json()) + "\n");
                default -> answer(response, callback, 404, "text/plain; charset=utf-8", "Not found: try /, /status.json, /health, /ready or /metrics\n");
            };
        }

        private boolean state(Response response, Callback callback, List<String> problems, String good, String bad) throws Exception {
            ObjectNode body = json.createObjectNode().put("status", problems.isEmpty() ? good : bad);
            body.putPOJO("parts", health.parts());
            body.putPOJO("problems", problems);
            return answer(response, callback, problems.isEmpty() ? 200 : 503, "application/json", json.writeValueAsString(body) + "\n");
        }

        private static boolean answer(Response response, Callback callback, int status, String type, String text) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            Content.Sink.write(response, true, text, callback);
            return true;
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}

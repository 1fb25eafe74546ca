package io.segmentrefiner.demo;

import io.segmentrefiner.http.JettyServer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local stand-in for Refiner's API, for the demo: it records every request and accepts it, except that an event
 * named {@code Flaky Event} is answered 503 the first time (so a retry shows) and {@code Refused By Refiner} always
 * 400 (so a dead letter of delivery shows).
 */
public final class RefinerStandIn implements AutoCloseable {

    /** A request as the stand-in received it, and its answer. */
    public record Received(String method, String path, String idempotencyKey, String body, int status) {
    }

    private final JettyServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();

    private RefinerStandIn() throws Exception {
        server = JettyServer.start("refiner-stand-in", "127.0.0.1", 0, 16, new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String body = Content.Source.asString(request);
                String key = request.getHeaders().get("Idempotency-Key");
                int status = answer(body, key == null ? "" : key);
                received.add(new Received(request.getMethod(), Request.getPathInContext(request), key, body, status));
                response.setStatus(status);
                response.getHeaders().add(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
                Content.Sink.write(response, true, status == 200 ? "{\"success\":true}" : "{\"error\":\"stand-in answered " + status + "\"}", callback);
                return true;
            }
        });
    }

    public static RefinerStandIn start() throws Exception {
        return new RefinerStandIn();
    }

    private int answer(String body, String key) {
        if (body.contains("\"Refused By Refiner\"")) {
            return 400;
        }
        if (body.contains("\"Flaky Event\"") && failedOnce.add(key)) {
            return 503;
        }
        return 200;
    }

    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}

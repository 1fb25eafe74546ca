package io.segmentrefiner.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.segmentrefiner.avro.RefinerRequestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the client sends and how it reports refusals, against a real HTTP server on loopback. */
class HttpSchemaRegistryTest {

    private HttpServer server;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger(200);
    private volatile String answer = "{\"id\":7}";

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        paths.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath());
        exchange.getRequestBody().readAllBytes();
        byte[] body = answer.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status.get(), body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/ccompat/v7";
    }

    @Test
    void registersUnderTheSubjectWithBasicAuthFromUserInfo() {
        try (HttpSchemaRegistry registry = HttpSchemaRegistry.connect(url(), Optional.of("svc:s3cret"))) {
            assertThat(registry.register("refiner.requests-value", RefinerRequestRecord.getClassSchema())).isEqualTo(7);
        }

        assertThat(paths).containsExactly("POST /apis/ccompat/v7/subjects/refiner.requests-value/versions");
        assertThat(authorizations).containsExactly("Basic " + Base64.getEncoder().encodeToString("svc:s3cret".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void credentialsInTheUrlAreUsedAndNeverShownInErrors() {
        status.set(500);
        answer = "{\"error_code\":50001,\"message\":\"store unavailable\"}";
        String withCredentials = url().replace("http://", "http://svc:s3cret@");

        try (HttpSchemaRegistry registry = HttpSchemaRegistry.connect(withCredentials, Optional.empty())) {
            assertThatThrownBy(() -> registry.register("s-value", RefinerRequestRecord.getClassSchema()))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.status()).isEqualTo(500);
                        assertThat(e.retriable()).isTrue();
                    })
                    .hasMessageContaining("store unavailable")
                    .hasMessageNotContaining("s3cret");
        }
        assertThat(authorizations).containsExactly("Basic " + Base64.getEncoder().encodeToString("svc:s3cret".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anUnreachableRegistryIsRetriableAndTheNextUrlIsTried() {
        String unreachable = "http://127.0.0.1:1/apis/ccompat/v7";

        try (HttpSchemaRegistry registry = HttpSchemaRegistry.connect(unreachable + "," + url(), Optional.empty())) {
            assertThat(registry.register("s-value", RefinerRequestRecord.getClassSchema())).isEqualTo(7);
        }
        try (HttpSchemaRegistry registry = HttpSchemaRegistry.connect(unreachable, Optional.of("u:pw-xyz"))) {
            assertThatThrownBy(() -> registry.schemaById(1))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.retriable()).isTrue())
                    .hasMessageContaining("could not be reached")
                    .hasMessageNotContaining("pw-xyz");
        }
    }

    @Test
    void theCacheAsksOncePerSubjectAndSchema() {
        try (SchemaRegistry registry = SchemaRegistries.connect(url(), Optional.empty(), java.util.Map.of(), Optional.empty())) {
            registry.register("a-value", RefinerRequestRecord.getClassSchema());
            registry.register("a-value", RefinerRequestRecord.getClassSchema());
            assertThat(registry.schemaById(7)).isEqualTo(RefinerRequestRecord.getClassSchema());
        }

        assertThat(paths).hasSize(1);
    }

    @Test
    void mockUrlsShareAnInMemoryRegistryPerScope() {
        SchemaRegistry first = SchemaRegistries.connect("mock://scope-a", Optional.empty(), java.util.Map.of(), Optional.empty());
        SchemaRegistry again = SchemaRegistries.connect("mock://scope-a", Optional.empty(), java.util.Map.of(), Optional.empty());
        SchemaRegistry other = SchemaRegistries.connect("mock://scope-b", Optional.empty(), java.util.Map.of(), Optional.empty());
        try {
            int id = first.register("t-value", RefinerRequestRecord.getClassSchema());

            assertThat(again.schemaById(id)).isEqualTo(RefinerRequestRecord.getClassSchema());
            assertThatThrownBy(() -> other.schemaById(id)).isInstanceOf(SchemaRegistryException.class);
        } finally {
            InMemorySchemaRegistry.drop("scope-a");
            InMemorySchemaRegistry.drop("scope-b");
        }
    }
}

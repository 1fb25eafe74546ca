package io.segmentrefiner.harness;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A Refiner stand-in in a container ({@link RefinerStubServer} on the runtime image, from the test classes), for
 * applications in containers that reach it by a network alias; the test reads what it was sent through a port
 * published on 127.0.0.1.
 */
public final class RefinerStubContainer extends GenericContainer<RefinerStubContainer> {

    /** A request the stand-in answered with a 2xx, at the time it arrived. */
    public record Delivery(Instant at, String idempotencyKey, String method, String path) {
    }

    private static final Path CLASSES = Path.of("target", "test-classes", "io", "segmentrefiner", "harness");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public RefinerStubContainer() {
        super(DockerImageName.parse(ContainerImages.RUNTIME_IMAGE));
        withCopyFileToContainer(MountableFile.forHostPath(CLASSES), "/stub/io/segmentrefiner/harness");
        withCommand("java", "-Xmx256m", "-cp", "/stub", RefinerStubServer.class.getName());
        withExposedPorts(RefinerStubServer.API_PORT, RefinerStubServer.CONTROL_PORT);
        waitingFor(Wait.forLogMessage(".*Refiner stand-in listening.*\\n", 1).withStartupTimeout(Duration.ofMinutes(1)));
    }

    /** The URL of its API for a container that reaches it by {@code alias}. */
    public static String urlOn(String alias) {
        return "http://" + alias + ":" + RefinerStubServer.API_PORT;
    }

    /** Every request answered with a 2xx so far, in the order answered. */
    public List<Delivery> delivered() {
        URI uri = URI.create("http://" + getHost() + ":" + getMappedPort(RefinerStubServer.CONTROL_PORT) + "/delivered");
        try {
            String text = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return text.lines().map(line -> line.split(" ", 4))
                    .map(f -> new Delivery(Instant.ofEpochMilli(Long.parseLong(f[0])), f[1], f[2], f[3]))
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException("The Refiner stand-in's control port " + uri + " does not answer (" + e + "); the container "
                    + (isRunning() ? "runs" : "has stopped") + ", its log: " + getLogs(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

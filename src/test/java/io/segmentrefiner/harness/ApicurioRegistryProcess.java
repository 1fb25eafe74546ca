package io.segmentrefiner.harness;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real Confluent-compatible schema registry: Apicurio Registry 3.3.3 from Maven Central (unpacked by the build
 * into {@code target/apicurio}), started with a Java 21+ runtime on loopback. Its Confluent API is at
 * {@code /apis/ccompat/v7}. The runtime is {@code REGISTRY_JAVA_HOME}, else the newest JDK of 21 or later under
 * {@code /usr/lib/jvm}.
 */
public final class ApicurioRegistryProcess implements AutoCloseable {

    private final ChildProcess process;
    private final int port;

    private ApicurioRegistryProcess(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    public static ApicurioRegistryProcess start(Path workDir) {
        Path home = Path.of(System.getProperty("apicurio.home", "target/apicurio"));
        Path jar = home.resolve("quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("No Apicurio Registry at " + jar.toAbsolutePath()
                    + ": run the integration tests through Maven (mvn verify), which unpacks it there");
        }
        Path java = ChildProcess.javaOf(registryJavaHome());
        int port = FreePorts.next();
        int managementPort = FreePorts.next();
        ChildProcess process = ChildProcess.start("apicurio-registry", List.of(java.toString(), "-Xmx512m",
                        "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                        "-Dquarkus.management.host=127.0.0.1", "-Dquarkus.management.port=" + managementPort,
                        "-jar", jar.toAbsolutePath().toString()),
                Map.of(), workDir, workDir.resolve("apicurio.log"));
        ApicurioRegistryProcess registry = new ApicurioRegistryProcess(process, port);
        registry.awaitReady(Duration.ofSeconds(90));
        return registry;
    }

    static Path registryJavaHome() {
        String configured = Optional.ofNullable(System.getenv("REGISTRY_JAVA_HOME")).orElse(System.getProperty("registry.java.home"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            return jdks.filter(jdk -> Files.isExecutable(ChildProcess.javaOf(jdk)))
                    .filter(jdk -> featureVersion(jdk) >= 21)
                    .max(Comparator.comparingInt(ApicurioRegistryProcess::featureVersion))
                    .orElseThrow(() -> noJava(null));
        } catch (IOException e) {
            throw noJava(e);
        }
    }

    private static IllegalStateException noJava(Exception cause) {
        return new IllegalStateException("Apicurio Registry needs Java 21 or later and none was found under /usr/lib/jvm: "
                + "set REGISTRY_JAVA_HOME to a Java 21+ home", cause);
    }

    private static int featureVersion(Path jdk) {
        try {
            return Files.readAllLines(jdk.resolve("release")).stream()
                    .filter(line -> line.startsWith("JAVA_VERSION="))
                    .map(line -> line.substring("JAVA_VERSION=".length()).replace("\"", ""))
                    .map(version -> Integer.parseInt(version.split("[.+-]")[0]))
                    .findFirst().orElse(0);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private void awaitReady(Duration timeout) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Await.until("Apicurio Registry at " + url() + " to answer (log " + process.log() + ")", timeout, () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("Apicurio Registry exited at start: " + process.logText());
            }
            HttpResponse<Void> response = client.send(HttpRequest.newBuilder(URI.create(url() + "/subjects"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        });
    }

    /** The Confluent-compatible API: what {@code schema.registry.url} names. */
    public String url() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    @Override
    public void close() {
        process.close();
    }
}

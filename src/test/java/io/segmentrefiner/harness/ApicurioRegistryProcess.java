package io.segmentrefiner.harness;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 *
 * <p>By default it keeps its schemas in memory, as Apicurio does. {@link #startDurable} keeps them in an H2 file in
 * the work folder instead, so that a test can stop it ({@link #stop}), start it again on the same port with the
 * same ids ({@link #restart}), or hang it ({@link #hang}, SIGSTOP: the port still accepts connections, nothing
 * answers) and let it go on ({@link #resume}).
 */
public final class ApicurioRegistryProcess implements AutoCloseable {

    private final Path workDir;
    private final int port;
    private final int managementPort;
    private final Optional<Path> database;
    private ChildProcess process;
    private int starts;

    private ApicurioRegistryProcess(Path workDir, int port, int managementPort, Optional<Path> database) {
        this.workDir = workDir;
        this.port = port;
        this.managementPort = managementPort;
        this.database = database;
    }

    public static ApicurioRegistryProcess start(Path workDir) {
        ApicurioRegistryProcess registry = new ApicurioRegistryProcess(workDir, FreePorts.next(), FreePorts.next(), Optional.empty());
        registry.startProcess();
        return registry;
    }

    /** One that keeps its schemas in a file of the work folder, across stops and restarts. */
    public static ApicurioRegistryProcess startDurable(Path workDir) {
        ApicurioRegistryProcess registry = new ApicurioRegistryProcess(workDir, FreePorts.next(), FreePorts.next(),
                Optional.of(workDir.resolve("registry-db")));
        registry.startProcess();
        return registry;
    }

    private void startProcess() {
        Path home = Path.of(System.getProperty("apicurio.home", "target/apicurio"));
        Path jar = home.resolve("quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("No Apicurio Registry at " + jar.toAbsolutePath()
                    + ": run the integration tests through Maven (mvn verify), which unpacks it there");
        }
        Path java = ChildProcess.javaOf(registryJavaHome());
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx512m",
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.host=127.0.0.1", "-Dquarkus.management.port=" + managementPort));
        database.ifPresent(file -> command.add("-Dapicurio.datasource.url=jdbc:h2:file:" + file.toAbsolutePath()));
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        starts++;
        process = ChildProcess.start("apicurio-registry", command, Map.of(), workDir, workDir.resolve("apicurio-" + starts + ".log"));
        awaitReady(Duration.ofSeconds(90));
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

    /** SIGTERM, and waits for it to end: its port refuses connections. */
    public void stop() {
        process.stop(Duration.ofSeconds(30));
    }

    /** Starts it again on the same port (and, when durable, with the same schemas). */
    public void restart() {
        if (process.isAlive()) {
            stop();
        }
        startProcess();
    }

    /** SIGSTOP: connections are accepted and nothing answers, as a registry that hangs. */
    public void hang() {
        signal("STOP");
    }

    /** SIGCONT after {@link #hang}; nothing when it is not running. */
    public void resume() {
        if (process.isAlive()) {
            signal("CONT");
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        resume(); // a stopped process does not act on SIGTERM
        process.close();
    }
}

package io.segmentrefiner.harness;

import io.segmentrefiner.embedded.EmbeddedKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka 4.4 broker in KRaft mode, run as a child JVM from the Maven classpath ({@code kafka.tools.StorageTool
 * format}, then {@code kafka.Kafka server.properties}) on loopback with free ports, so that a test can kill it and
 * start it again on the same ports and data.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final Path config;
    private ChildProcess process;

    private KafkaBrokerProcess(Path dir, int port, Path config) {
        this.dir = dir;
        this.port = port;
        this.config = config;
    }

    public static KafkaBrokerProcess start(Path dir) {
        int port = FreePorts.next();
        int controllerPort = FreePorts.next();
        Path config = dir.resolve("server.properties");
        Properties properties = EmbeddedKafkaBroker.serverProperties(port, controllerPort, dir.resolve("logs"));
        // Streams' exactly-once and group rebalances as fast as a single test broker allows.
        properties.put("transaction.state.log.num.partitions", "4");
        properties.put("offsets.topic.num.partitions", "4");
        try {
            Files.createDirectories(dir);
            try (Writer writer = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
                properties.store(writer, "integration-test broker");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChildProcess format = ChildProcess.start("kafka-storage-format",
                ChildProcess.javaCommand(ChildProcess.currentJava(), ChildProcess.testClasspath(), "kafka.tools.StorageTool",
                        "format", "--cluster-id", Uuid.randomUuid().toString(), "--config", config.toString()),
                Map.of(), dir, dir.resolve("format.log"));
        int formatted = format.runToEnd(Duration.ofSeconds(60));
        if (formatted != 0) {
            throw new IllegalStateException("Formatting the broker's storage failed (" + formatted + "): " + format.logText());
        }
        KafkaBrokerProcess broker = new KafkaBrokerProcess(dir, port, config);
        broker.startProcess();
        return broker;
    }

    private void startProcess() {
        process = ChildProcess.start("kafka-broker",
                ChildProcess.javaCommand(ChildProcess.currentJava(), ChildProcess.testClasspath(), "kafka.Kafka", config.toString()),
                Map.of(), dir, dir.resolve("broker.log"));
        awaitReady(Duration.ofSeconds(60));
    }

    private void awaitReady(Duration timeout) {
        Await.until("the broker at " + bootstrapServers() + " to answer (log " + process.log() + ")", timeout, () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("The broker exited at start: " + process.logText());
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
                return admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
            }
        });
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL. */
    public void kill() {
        process.kill();
    }

    /** SIGTERM, and waits for a clean end. */
    public void stop() {
        process.stop(Duration.ofSeconds(30));
    }

    /** Starts it again on the same ports and data. */
    public void restart() {
        if (process.isAlive()) {
            stop();
        }
        startProcess();
    }

    @Override
    public void close() {
        process.close();
    }
}

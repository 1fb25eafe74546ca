package io.segmentrefiner.embedded;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A single-node KRaft broker (controller and broker in one) run inside this process from Kafka's own server
 * classes, for the embedded default of {@code run}: no external Kafka needed. It listens on
 * {@code 127.0.0.1:<port>} so that other commands and clients can reach it, and keeps its data in a folder, so a
 * restart finds the events it had.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private final int port;
    private final Path dataDir;
    private final KafkaRaftServer server;

    private EmbeddedKafkaBroker(int port, Path dataDir, KafkaRaftServer server) {
        this.port = port;
        this.dataDir = dataDir;
        this.server = server;
    }

    /** A broker on two free ports of loopback, for a run that nobody else connects to (the demo). */
    public static EmbeddedKafkaBroker startOnFreePorts(Path dataDir) {
        try {
            return start(freePort(), freePort(), dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on loopback for the embedded broker", e);
        }
    }

    public static EmbeddedKafkaBroker start(int port, int controllerPort, Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            Path config = dataDir.resolve("server.properties");
            Properties properties = serverProperties(port, controllerPort, dataDir.resolve("logs"));
            try (Writer writer = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
                properties.store(writer, "segment-refiner embedded broker");
            }
            format(config, dataDir);
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
            server.startup();
            return new EmbeddedKafkaBroker(port, dataDir, server);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the embedded broker's folder " + dataDir, e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The settings of a combined-mode KRaft node on loopback, with replication one for everything. */
    public static Properties serverProperties(int port, int controllerPort, Path logDir) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "1");
        return p;
    }

    /** Formats the log folder once; a folder formatted before is left as it is. */
    private static void format(Path config, Path dataDir) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int status = StorageTool.execute(new String[]{"format", "--ignore-formatted", "--cluster-id", clusterId(dataDir),
                "--config", config.toString()}, new PrintStream(output, true, StandardCharsets.UTF_8));
        if (status != 0) {
            throw new IllegalStateException("Formatting the embedded broker's storage failed: " + output.toString(StandardCharsets.UTF_8));
        }
    }

    private static String clusterId(Path dataDir) {
        Path file = dataDir.resolve("cluster.id");
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, Uuid.randomUuid().toString());
            }
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}

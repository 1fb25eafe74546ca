package io.segmentrefiner.cli;

import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.PipelineSettings;
import io.segmentrefiner.harness.RealInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(RealInfrastructure.class)
class TopicsCommandIntegrationTest {

    @TempDir
    Path dir;

    private KafkaBrokerProcess broker;
    private Path config;
    private String run;
    private StringWriter out;

    @BeforeEach
    void configure(KafkaBrokerProcess broker) throws Exception {
        this.broker = broker;
        Map<String, String> settings = PipelineSettings.forRun("topics-it", broker);
        settings.put(AppConfig.TOPICS_PARTITIONS.key(), "2");
        run = PipelineSettings.runOf(settings);
        config = PipelineSettings.write(settings, dir.resolve("refiner.properties"));
    }

    private int topics(String... args) {
        out = new StringWriter();
        CommandLine commandLine = SegmentRefiner.commandLine();
        commandLine.setOut(new PrintWriter(out));
        List<String> all = new java.util.ArrayList<>(List.of("topics", "apply", "--config", config.toString()));
        all.addAll(List.of(args));
        return commandLine.execute(all.toArray(String[]::new));
    }

    private Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()));
    }

    /** Input, requests, retries, dead letters and the suppression list. */
    private static final int DECLARED = 5;

    @Test
    void aDryRunReportsWithoutCreatingThenApplyCreatesAndChecks() throws Exception {
        assertThat(topics("--dry-run")).isZero();
        assertThat(out.toString().lines().filter(line -> line.startsWith("would create")).count()).isEqualTo(DECLARED);
        try (Admin admin = admin()) {
            assertThat(admin.listTopics().names().get()).noneMatch(name -> name.endsWith(run));
        }

        assertThat(topics()).isZero();
        assertThat(out.toString()).contains("created   refiner.dlq." + run + " (2 partitions");
        try (Admin admin = admin()) {
            assertThat(admin.listTopics().names().get().stream().filter(name -> name.endsWith(run))).hasSize(DECLARED);
        }

        assertThat(topics()).isZero();
        assertThat(out.toString().lines().filter(line -> line.startsWith("ok")).count()).isEqualTo(DECLARED);
    }

    @Test
    void driftIsReportedAndNothingIsChanged() throws Exception {
        assertThat(topics()).isZero();
        ConfigResource dlq = new ConfigResource(ConfigResource.Type.TOPIC, "refiner.dlq." + run);
        try (Admin admin = admin()) {
            admin.incrementalAlterConfigs(Map.of(dlq, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "86400000"),
                    AlterConfigOp.OpType.SET)))).all().get();
        }

        assertThat(topics()).isEqualTo(1);

        assertThat(out.toString()).contains("drift     refiner.dlq." + run + ": retention.ms: 86400000, declared 2592000000");
        try (Admin admin = admin()) {
            assertThat(admin.describeConfigs(List.of(dlq)).all().get().get(dlq).get("retention.ms").value()).isEqualTo("86400000");
        }
    }
}

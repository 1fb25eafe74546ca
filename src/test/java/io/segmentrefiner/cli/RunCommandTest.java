package io.segmentrefiner.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Configuration errors of {@code run} end at once, with one line that names the setting. */
class RunCommandTest {

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private int run(String config, String... more) throws Exception {
        Path file = dir.resolve("refiner.properties");
        Files.writeString(file, config);
        CommandLine commandLine = SegmentRefiner.commandLine();
        commandLine.setOut(new PrintWriter(new StringWriter()));
        commandLine.setErr(new PrintWriter(err));
        String[] args = new String[3 + more.length];
        args[0] = "run";
        args[1] = "--config";
        args[2] = file.toString();
        System.arraycopy(more, 0, args, 3, more.length);
        return commandLine.execute(args);
    }

    @Test
    void deliveryWithoutAnApiKeyNamesTheKey() throws Exception {
        assertThat(run("bootstrap.servers=127.0.0.1:1\nschema.registry.url=mock://run-test\n")).isEqualTo(2);

        assertThat(err.toString().strip()).startsWith("segment-refiner: Setting 'refiner.api.key': required for delivery")
                .doesNotContain("\tat ").hasLineCount(1);
    }

    @Test
    void anUnknownSettingNamesIt() throws Exception {
        assertThat(run("bootstrap.servers=127.0.0.1:1\nrefiner.api.keyy=x\n")).isEqualTo(2);

        assertThat(err.toString().strip()).isEqualTo("segment-refiner: Setting 'refiner.api.keyy': unknown setting; "
                + "see the README for this project's settings, and Kafka's documentation for client and Streams settings");
    }

    @Test
    void aBadDurationNamesTheSetting() throws Exception {
        assertThat(run("delivery.retry.max.duration=four hours\n", "--role", "translate")).isEqualTo(2);

        assertThat(err.toString()).contains("Setting 'delivery.retry.max.duration': 'four hours' is not a duration");
    }
}

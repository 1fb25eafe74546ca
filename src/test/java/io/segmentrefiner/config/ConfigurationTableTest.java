package io.segmentrefiner.config;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The table of settings in README.md's "Configuration" is generated from the declarations in {@link AppConfig}. This
 * test fails when they drift; {@code mvn test -Dtest=ConfigurationTableTest -Dreadme.update=true} writes it anew.
 */
class ConfigurationTableTest {

    private static final Path README = Path.of("README.md");
    private static final String HEADER = "| setting | default | meaning |\n|---|---|---|\n";
    private static final boolean UPDATE = Boolean.getBoolean("readme.update");

    @Test
    void theReadmeTableIsCurrent() throws IOException {
        String generated = HEADER + AppConfig.settings().stream().map(Setting::tableRow).collect(Collectors.joining("\n", "", "\n"));
        String readme = Files.readString(README);
        int start = readme.indexOf(HEADER);
        assertThat(start).as("README.md has the table of settings, headed %s", HEADER.lines().findFirst().orElseThrow()).isNotNegative();
        int end = readme.indexOf("\n\n", start) + 1;
        if (UPDATE) {
            Files.writeString(README, readme.substring(0, start) + generated + readme.substring(end));
            // Nothing was checked: the run shows as skipped, not as passed.
            Assumptions.abort("wrote the table of settings in README.md");
        }
        assertThat(readme.substring(start, end))
                .as("README.md's table of settings drifted from AppConfig; run mvn test -Dtest=ConfigurationTableTest -Dreadme.update=true")
                .isEqualTo(generated);
    }

    @Test
    void everySettingIsDeclaredOnce() {
        assertThat(AppConfig.settings()).extracting(Setting::key).doesNotHaveDuplicates();
    }
}

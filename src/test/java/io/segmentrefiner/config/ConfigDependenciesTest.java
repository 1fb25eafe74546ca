package io.segmentrefiner.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code config} depends on nothing of this project's: the stages build their settings from it, in {@code app}. */
class ConfigDependenciesTest {

    @Test
    void configImportsNoOtherPackageOfThisProject() throws IOException {
        List<String> imports;
        try (Stream<Path> files = Files.list(Path.of("src/main/java/io/segmentrefiner/config"))) {
            imports = files.flatMap(file -> {
                try {
                    return Files.readAllLines(file).stream().map(line -> file.getFileName() + ": " + line);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).filter(line -> line.matches(".*: import (static )?io\\.segmentrefiner\\..*")
                    && !line.matches(".*: import (static )?io\\.segmentrefiner\\.config\\..*")).toList();
        }
        assertThat(imports).isEmpty();
    }
}

package io.segmentrefiner.cli;

import io.segmentrefiner.config.AppConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/** {@code --config FILE}, which every command takes. */
final class ConfigOption {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Settings as a properties file; each key can be overridden by an environment variable (REFINER_API_KEY for refiner.api.key).")
    Path file;

    AppConfig load() {
        return AppConfig.load(Optional.ofNullable(file), System.getenv());
    }
}

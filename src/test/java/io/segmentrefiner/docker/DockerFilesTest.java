package io.segmentrefiner.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.segmentrefiner.config.AppConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What can be checked of docker/ without a Docker engine: the compose file parses, the paths it and the Dockerfile
 * name exist, and every setting it gives the application is one the application knows.
 */
class DockerFilesTest {

    private static final Path DOCKER = Path.of("docker");
    private final JsonNode compose = readCompose();

    private static JsonNode readCompose() {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(DOCKER.resolve("compose.yaml").toFile());
        } catch (IOException e) {
            throw new AssertionError("docker/compose.yaml does not parse as YAML", e);
        }
    }

    private JsonNode app() {
        return compose.path("services").path("segment-refiner");
    }

    @Test
    void composeHasKafkaInKraftModeARegistryAndTheApplication() {
        assertThat(compose.path("services").has("kafka")).isTrue();
        assertThat(compose.at("/services/kafka/environment/KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
        assertThat(compose.at("/services/kafka/image").asText()).startsWith("apache/kafka:");
        assertThat(compose.at("/services/registry/image").asText()).startsWith("apicurio/apicurio-registry:");
        assertThat(app().path("build").isObject()).isTrue();
    }

    @Test
    void theBuildContextAndDockerfileExistAndEveryCopiedPathToo() throws IOException {
        Path context = DOCKER.resolve(app().at("/build/context").asText()).normalize();
        Path dockerfile = context.resolve(app().at("/build/dockerfile").asText());
        assertThat(dockerfile).exists();
        List<String> missing = new ArrayList<>();
        Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(\\S+) ").matcher(Files.readString(dockerfile));
        while (copy.find()) {
            if (!Files.exists(context.resolve(copy.group(1)))) {
                missing.add(copy.group(1));
            }
        }
        assertThat(missing).as("paths the Dockerfile copies that the project lacks").isEmpty();
        assertThat(Files.readString(dockerfile)).contains("USER refiner").contains("eclipse-temurin:17-jre")
                .contains("target/segment-refiner.jar");
    }

    @Test
    void everyVariableGivenToTheApplicationIsASettingItKnows() {
        List<String> unknown = new ArrayList<>();
        app().path("environment").properties().forEach(variable -> {
            String value = variable.getValue().asText().replaceAll("\\$\\{[^:}]+:-([^}]*)}", "$1").replaceAll("\\$\\{[^}]*}", "x");
            AppConfig loaded = AppConfig.load(Optional.empty(), Map.of(variable.getKey(), value));
            boolean known = loaded.redacted().keySet().stream().anyMatch(key -> AppConfig.environmentVariable(key).equals(variable.getKey()));
            if (!known) {
                unknown.add(variable.getKey());
            }
        });
        assertThat(unknown).as("environment variables that name no setting").isEmpty();
    }

    @Test
    void theHealthcheckAndPortsMatchTheApplicationsEndpoints() {
        String port = app().at("/environment/HTTP_PORT").asText();
        assertThat(app().path("ports").get(0).asText()).endsWith(":" + port);
        assertThat(app().at("/healthcheck/test").toString()).contains("localhost:" + port + "/ready");
        assertThat(app().at("/environment/HTTP_HOST").asText()).as("reachable from outside the container").isEqualTo("0.0.0.0");
        assertThat(app().path("command").toString()).contains("run");
    }
}

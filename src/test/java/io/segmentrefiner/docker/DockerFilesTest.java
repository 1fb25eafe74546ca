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

    /** A compose value with its default: {@code ${NAME:-default}} is what runs when NAME is not set. */
    private static String withDefaults(String value) {
        return value.replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1");
    }

    @Test
    void composeHasKafkaInKraftModeARegistryAndTheApplicationWithPublicImagesThatVariablesReplace() {
        assertThat(compose.path("services").has("kafka")).isTrue();
        assertThat(compose.at("/services/kafka/environment/KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
        assertThat(compose.at("/services/kafka/image").asText()).startsWith("${KAFKA_IMAGE:-");
        assertThat(withDefaults(compose.at("/services/kafka/image").asText())).isEqualTo("apache/kafka:4.4.0");
        assertThat(compose.at("/services/registry/image").asText()).startsWith("${REGISTRY_IMAGE:-");
        assertThat(withDefaults(compose.at("/services/registry/image").asText())).isEqualTo("apicurio/apicurio-registry:3.3.3");
        assertThat(app().path("build").isObject()).isTrue();
        assertThat(withDefaults(app().at("/build/args/RUNTIME_IMAGE").asText())).isEqualTo("eclipse-temurin:17-jre");
    }

    @Test
    void theImageIsBuiltFromThePackagedJarOnARuntimeImageGivenAsABuildArgument() throws IOException {
        Path context = DOCKER.resolve(app().at("/build/context").asText()).normalize();
        Path dockerfile = context.resolve(app().at("/build/dockerfile").asText());
        assertThat(dockerfile).exists();
        String text = Files.readString(dockerfile);
        List<String> copied = new ArrayList<>();
        Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(\\S+) ").matcher(text);
        while (copy.find()) {
            copied.add(copy.group(1));
        }
        assertThat(copied).as("the jar that mvn package makes, nothing else: no Maven inside the image build")
                .containsExactly("target/segment-refiner.jar");
        assertThat(text).doesNotContainPattern("(?m)^(RUN|FROM) .*(mvn|maven)").contains("ARG RUNTIME_IMAGE=eclipse-temurin:17-jre").contains("FROM ${RUNTIME_IMAGE}")
                .contains("USER refiner").contains("ENTRYPOINT [\"java\"");
        assertThat(Files.readString(Path.of("pom.xml"))).as("the name the Dockerfile copies").contains("<finalName>segment-refiner</finalName>");
    }

    @Test
    void theBuildContextIsOnlyWhatTheImageNeeds() throws IOException {
        List<String> rules = Files.readAllLines(Path.of(".dockerignore")).stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#")).toList();
        assertThat(rules).as("everything out, then the jar back in").containsExactly("*", "!target/segment-refiner.jar");
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
    void publishedPortsAreOnLoopbackAndVariablesMoveThemAndTheBrokersAdvertisedListenerFollows() {
        assertThat(compose.at("/services/kafka/ports/0").asText()).isEqualTo("127.0.0.1:${KAFKA_HOST_PORT:-29092}:${KAFKA_HOST_PORT:-29092}");
        assertThat(compose.at("/services/kafka/environment/KAFKA_LISTENERS").asText()).contains("HOST://:${KAFKA_HOST_PORT:-29092}");
        assertThat(compose.at("/services/kafka/environment/KAFKA_ADVERTISED_LISTENERS").asText())
                .contains("HOST://127.0.0.1:${KAFKA_HOST_PORT:-29092}");
        assertThat(compose.at("/services/registry/ports/0").asText()).isEqualTo("127.0.0.1:${REGISTRY_HOST_PORT:-8081}:8080");
        assertThat(app().at("/ports/0").asText()).isEqualTo("127.0.0.1:${SEGMENT_REFINER_HOST_PORT:-8080}:8080");
        assertThat(compose.has("name")).as("a top-level name, which docker-compose 1.29 refuses: -p names the project").isFalse();
    }

    @Test
    void theRegistryImageIsMadeFromTheReleaseOnAJava21Runtime() throws IOException {
        String text = Files.readString(DOCKER.resolve("apicurio").resolve("Dockerfile"));
        assertThat(text).contains("ARG RUNTIME_IMAGE=eclipse-temurin:21-jre").contains("FROM ${RUNTIME_IMAGE}")
                .contains("COPY --chown=apicurio:apicurio apicurio/ /opt/apicurio/").contains("USER apicurio")
                .contains("quarkus-run.jar").doesNotContainPattern("(?m)^RUN .*(mvn|curl|wget)");
    }

    @Test
    void theHealthcheckAndPortsMatchTheApplicationsEndpoints() {
        String port = app().at("/environment/HTTP_PORT").asText();
        assertThat(withDefaults(app().path("ports").get(0).asText())).endsWith(":" + port);
        assertThat(app().at("/healthcheck/test").toString()).contains("localhost:" + port + "/ready");
        assertThat(app().at("/environment/HTTP_HOST").asText()).as("reachable from outside the container").isEqualTo("0.0.0.0");
        assertThat(app().path("command").toString()).contains("run");
    }
}

package io.segmentrefiner.harness;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.DockerImageName;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The images the container tests run, with public defaults that an environment variable replaces (CI names the
 * local ones that {@code docker/build-local-images.sh} makes where Docker Hub cannot be reached), and the condition
 * under which those tests run: a Docker engine, and the images at hand. Without them the tests are skipped, saying
 * which is missing.
 */
public final class ContainerImages implements ExecutionCondition {

    /** The base image of docker/Dockerfile ({@code --build-arg RUNTIME_IMAGE}). */
    public static final String RUNTIME_IMAGE = image("SEGMENT_REFINER_RUNTIME_IMAGE", "eclipse-temurin:17-jre");

    /** A Kafka 4.4 broker configured from KAFKA_* variables: apache/kafka, or docker/kafka made from Kafka's jars. */
    public static final String KAFKA_IMAGE = image("SEGMENT_REFINER_KAFKA_IMAGE", "apache/kafka:4.4.0");

    /** A Confluent-compatible registry on port 8080: apicurio/apicurio-registry, or docker/apicurio made from its release. */
    public static final String REGISTRY_IMAGE = image("SEGMENT_REFINER_REGISTRY_IMAGE", "apicurio/apicurio-registry:3.3.3");

    /** The Java 21+ base of docker/apicurio's image (Apicurio Registry 3 needs Java 21). */
    public static final String REGISTRY_RUNTIME_IMAGE = image("SEGMENT_REFINER_REGISTRY_RUNTIME_IMAGE", "eclipse-temurin:21-jre");

    /** The path of the registry's Confluent-compatible API: {@code schema.registry.url} is http://HOST:8080 and this. */
    public static final String REGISTRY_API = "/apis/ccompat/v7";

    private static final Path JAR = Path.of("target", "segment-refiner.jar");
    private static final Path KAFKA_LIBS = Path.of("target", "kafka-image", "libs");
    private static final Path APICURIO = Path.of("target", "apicurio");
    private static ImageFromDockerfile application;
    private static Future<String> kafka;
    private static Future<String> registry;

    private static String image(String variable, String publicDefault) {
        return Optional.ofNullable(System.getenv(variable)).filter(name -> !name.isBlank()).orElse(publicDefault);
    }

    /** The project's image, built once a run from docker/Dockerfile and the packaged jar, as {@code docker build} would; tagged segment-refiner-test, replaced by the next run. */
    public static synchronized ImageFromDockerfile application() {
        if (application == null) {
            // The context .dockerignore leaves: the Dockerfile and the jar, nothing else of the project.
            application = new ImageFromDockerfile("segment-refiner-test", false)
                    .withFileFromPath("docker/Dockerfile", Path.of("docker", "Dockerfile"))
                    .withFileFromPath("target/segment-refiner.jar", JAR)
                    .withDockerfilePath("docker/Dockerfile")
                    .withBuildArg("RUNTIME_IMAGE", RUNTIME_IMAGE);
        }
        return application;
    }

    /**
     * The name of {@link #KAFKA_IMAGE} where it is here or can be pulled; otherwise of docker/kafka's image, built
     * once a run from the Kafka jars the build copied (tagged segment-refiner-test-kafka).
     */
    public static synchronized Future<String> kafkaImage() {
        if (kafka == null) {
            kafka = present(DockerImageName.parse(KAFKA_IMAGE)) ? CompletableFuture.completedFuture(KAFKA_IMAGE)
                    : new ImageFromDockerfile("segment-refiner-test-kafka", false)
                    .withFileFromPath("Dockerfile", Path.of("docker", "kafka", "Dockerfile"))
                    .withFileFromPath("run.sh", Path.of("docker", "kafka", "run.sh"))
                    .withFileFromPath("logback.xml", Path.of("docker", "kafka", "logback.xml"))
                    .withFileFromPath("libs", KAFKA_LIBS)
                    .withBuildArg("RUNTIME_IMAGE", RUNTIME_IMAGE);
        }
        return kafka;
    }

    public static GenericContainer<?> kafkaContainer() {
        return new GenericContainer<>(kafkaImage());
    }

    /**
     * The name of {@link #REGISTRY_IMAGE} where it is here or can be pulled; otherwise of docker/apicurio's image,
     * built once a run on {@link #REGISTRY_RUNTIME_IMAGE} from the Apicurio release the build unpacked (tagged
     * segment-refiner-test-registry).
     */
    public static synchronized Future<String> registryImage() {
        if (registry == null) {
            registry = present(DockerImageName.parse(REGISTRY_IMAGE)) ? CompletableFuture.completedFuture(REGISTRY_IMAGE)
                    : new ImageFromDockerfile("segment-refiner-test-registry", false)
                    .withFileFromPath("Dockerfile", Path.of("docker", "apicurio", "Dockerfile"))
                    .withFileFromPath("apicurio", APICURIO)
                    .withBuildArg("RUNTIME_IMAGE", REGISTRY_RUNTIME_IMAGE);
        }
        return registry;
    }

    /** The registry on port 8080, ready when its Confluent-compatible API answers. */
    public static GenericContainer<?> registryContainer() {
        return new GenericContainer<>(registryImage())
                .withExposedPorts(8080)
                .waitingFor(Wait.forHttp(REGISTRY_API + "/subjects").forPort(8080).forStatusCode(200)
                        .withStartupTimeout(Duration.ofMinutes(2)));
    }

    /** Skips the calling test, saying so, where no {@code docker-compose} is on the PATH (Debian's package; .ci/run installs it). */
    public static void assumeDockerCompose() {
        boolean found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(directory -> Files.isExecutable(Path.of(directory, "docker-compose")));
        if (!found) {
            String why = "Compose test skipped: no docker-compose on the PATH (apt-get install docker-compose; .ci/run does)";
            System.err.println(why);
            Assumptions.abort(why);
        }
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return missing().map(why -> {
                    System.err.println(context.getDisplayName() + ": " + why); // in the build's output, not only the reports
                    return ConditionEvaluationResult.disabled(why);
                })
                .orElseGet(() -> ConditionEvaluationResult.enabled("a Docker engine and " + RUNTIME_IMAGE));
    }

    private static Optional<String> missing() {
        if (!"true".equalsIgnoreCase(System.getenv("TESTCONTAINERS_CHECKS_DISABLE"))) {
            return Optional.of("Container tests skipped: Testcontainers' start-up checks pull alpine, which may not be reachable; set "
                    + "TESTCONTAINERS_CHECKS_DISABLE=true (the Maven build does)");
        }
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return Optional.of("Container tests skipped: no Docker engine answers (install docker.io and start dockerd; .ci/run does both)");
        }
        if (!Files.exists(JAR)) {
            return Optional.of("Container tests skipped: " + JAR + " is missing (mvn -B -DskipTests package)");
        }
        if (!"true".equalsIgnoreCase(System.getenv("TESTCONTAINERS_RYUK_DISABLED"))
                && !present(DockerImageName.parse("testcontainers/ryuk:0.12.0"))) {
            return Optional.of("Container tests skipped: Testcontainers' Ryuk image cannot be pulled; set TESTCONTAINERS_RYUK_DISABLED=true "
                    + "(the tests remove their own containers; the Maven build sets it)");
        }
        if (!present(DockerImageName.parse(RUNTIME_IMAGE))) {
            return Optional.of("Container tests skipped: the runtime image " + RUNTIME_IMAGE + " is neither here nor pullable; make a local one "
                    + "with docker/build-local-images.sh and name it in SEGMENT_REFINER_RUNTIME_IMAGE (.ci/run does both)");
        }
        return Optional.empty();
    }

    private static boolean present(DockerImageName image) {
        var docker = DockerClientFactory.lazyClient();
        try {
            docker.inspectImageCmd(image.asCanonicalNameString()).exec();
            return true;
        } catch (RuntimeException notHere) {
            try {
                return docker.pullImageCmd(image.getUnversionedPart()).withTag(image.getVersionPart()).start()
                        .awaitCompletion(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (RuntimeException notPullable) {
                return false;
            }
        }
    }
}

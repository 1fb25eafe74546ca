package io.segmentrefiner.harness;

import io.segmentrefiner.config.AppConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The settings of one pipeline under test: its own topics, application id and state folder on a shared broker,
 * delivering to a stand-in for Refiner, with short backoffs. Tests add or replace what they need.
 */
public final class PipelineSettings {

    private PipelineSettings() {
    }

    /**
     * @param name        what the run is, for the application id and folders
     * @param registryUrl a real registry, or {@code mock://<scope>}
     */
    public static Map<String, String> forRun(String name, KafkaBrokerProcess broker, String registryUrl, String refinerUrl, String apiKey) {
        Map<String, String> settings = forRun(name, broker);
        settings.put(AppConfig.SCHEMA_REGISTRY_URL.key(), registryUrl);
        settings.put(AppConfig.REFINER_API_URL.key(), refinerUrl);
        settings.put(AppConfig.REFINER_API_KEY.key(), apiKey);
        return settings;
    }

    /** Topics, an application id and a state folder of the run's own on a shared broker; no registry, no Refiner. */
    public static Map<String, String> forRun(String name, KafkaBrokerProcess broker) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> settings = new HashMap<>();
        settings.put(AppConfig.BOOTSTRAP_SERVERS.key(), broker.bootstrapServers());
        settings.put(AppConfig.INPUT_TOPIC.key(), "segment.events." + run);
        settings.put(AppConfig.REQUESTS_TOPIC.key(), "refiner.requests." + run);
        settings.put(AppConfig.RETRY_TOPIC.key(), "refiner.requests.retry." + run);
        settings.put(AppConfig.DLQ_TOPIC.key(), "refiner.dlq." + run);
        settings.put(AppConfig.SUPPRESSIONS_TOPIC.key(), "refiner.suppressions." + run);
        settings.put(AppConfig.TOPICS_PARTITIONS.key(), "3");
        settings.put(AppConfig.DELIVERY_RETRY_INITIAL_BACKOFF.key(), "200ms");
        settings.put(AppConfig.DELIVERY_RETRY_MAX_BACKOFF.key(), "2s");
        settings.put(AppConfig.HTTP_PORT.key(), "0");
        settings.put("application.id", name + "-" + run);
        settings.put("state.dir", RealInfrastructure.workDir(name + "-state").toString());
        return settings;
    }

    /** What the run's names end with, to tell its topics from those of other runs on the broker. */
    public static String runOf(Map<String, String> settings) {
        String input = settings.get(AppConfig.INPUT_TOPIC.key());
        return input.substring(input.lastIndexOf('.') + 1);
    }

    /** The settings as a properties file, for a command run with {@code --config}. */
    public static Path write(Map<String, String> settings, Path file) throws IOException {
        Files.writeString(file, settings.entrySet().stream().map(setting -> setting.getKey() + "=" + setting.getValue())
                .collect(Collectors.joining("\n", "", "\n")));
        return file;
    }
}

package io.segmentrefiner.harness;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Gives integration tests one real Kafka broker and one real Apicurio registry, started at first use and shared by
 * every test class of the run; JUnit closes both when the run ends. Tests that kill or restart a broker start
 * their own {@link KafkaBrokerProcess} instead.
 */
public final class RealInfrastructure implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RealInfrastructure.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        Class<?> type = parameter.getParameter().getType();
        return type == KafkaBrokerProcess.class || type == ApicurioRegistryProcess.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        ExtensionContext.Store store = extension.getRoot().getStore(NAMESPACE);
        if (parameter.getParameter().getType() == KafkaBrokerProcess.class) {
            return store.getOrComputeIfAbsent("broker", key -> KafkaBrokerProcess.start(workDir("kafka")), KafkaBrokerProcess.class);
        }
        return store.getOrComputeIfAbsent("registry", key -> ApicurioRegistryProcess.start(workDir("apicurio")), ApicurioRegistryProcess.class);
    }

    public static Path workDir(String name) {
        try {
            Path base = Path.of("target", "it-work");
            Files.createDirectories(base);
            return Files.createTempDirectory(base.toAbsolutePath(), name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

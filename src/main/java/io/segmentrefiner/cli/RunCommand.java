package io.segmentrefiner.cli;

import io.segmentrefiner.app.Application;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** Runs the pipeline against the configured brokers, or on the embedded default when none are configured. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the pipeline. Without bootstrap.servers it starts an embedded single-node Kafka broker, with its schema registry in a topic of that broker.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "all",
            description = "translate (Segment events to requests), deliver (requests to Refiner), or all (both; the default).")
    Application.Role role;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (Application application = Application.start(config.load(), role, spec.commandLine().getOut())) {
            return application.awaitEnd();
        }
    }
}

package io.segmentrefiner.cli;

import io.segmentrefiner.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code segment-refiner} command line. */
@Command(name = "segment-refiner",
        mixinStandardHelpOptions = true,
        versionProvider = SegmentRefiner.Version.class,
        description = "Segment events to Refiner, as a Kafka Streams pipeline.",
        subcommands = {RunCommand.class, TranslateCommand.class, ProduceCommand.class, IngestCommand.class, ReplayCommand.class, ForgetCommand.class, SuppressionsCommand.class, DemoCommand.class,
                TopicsCommand.class, TopologyCommand.class, CommandLine.HelpCommand.class})
public final class SegmentRefiner {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new SegmentRefiner())
                .setExecutionExceptionHandler((exception, commandLine, parseResult) -> {
                    if (exception instanceof ConfigException) {
                        commandLine.getErr().println("segment-refiner: " + exception.getMessage());
                        return 2;
                    }
                    throw exception;
                });
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"segment-refiner " + io.segmentrefiner.app.Version.current()};
        }
    }
}

package io.segmentrefiner.cli;

import io.segmentrefiner.app.IngestStage;
import io.segmentrefiner.app.RunningParts;
import io.segmentrefiner.config.AppConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Segment's HTTP Tracking API in front of the input topic, so that Segment's libraries send straight to the pipeline. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Serve Segment's HTTP Tracking API (/v1/identify, /v1/track, /v1/page, /v1/screen, /v1/group, /v1/alias, "
                + "/v1/batch, /v1/import) on ingest.host:ingest.port and write each accepted event to the input topic.")
final class IngestCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AppConfig settings = config.load().forTools();
        RunningParts parts = new RunningParts("segment-refiner-ingest-shutdown");
        parts.add(IngestStage.start(settings, spec.commandLine().getOut()));
        parts.awaitStopped();
        return 0;
    }
}

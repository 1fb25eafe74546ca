package io.segmentrefiner.app;

import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.ingest.IngestServer;

import java.io.PrintWriter;
import java.util.Set;

/** Segment's HTTP Tracking API wired from the settings, writing to the input topic: for {@code ingest}, and for {@code run} with {@code ingest.enabled}. */
public final class IngestStage {

    private IngestStage() {
    }

    /** Starts the server and says where it listens. */
    public static IngestServer start(AppConfig settings, PrintWriter out) throws Exception {
        Set<String> writeKeys = settings.value(AppConfig.INGEST_WRITE_KEYS);
        String input = StageSettings.topics(settings).input();
        IngestServer server = IngestServer.start(settings.get(AppConfig.INGEST_HOST), settings.value(AppConfig.INGEST_PORT),
                writeKeys, input, KafkaClientSettings.producer(settings));
        out.printf("Segment HTTP Tracking API on http://%s:%d/v1/ (%d write keys), writing to %s%n",
                settings.get(AppConfig.INGEST_HOST), server.port(), writeKeys.size(), input);
        out.flush();
        return server;
    }
}

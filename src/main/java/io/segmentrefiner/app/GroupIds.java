package io.segmentrefiner.app;

import io.segmentrefiner.config.AppConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The consumer groups of one application, all named after its {@code application.id}: Kafka Streams' own (the
 * application id itself, translation), delivery's and each replay checkpoint's. Operators find them by these names.
 */
public final class GroupIds {

    private GroupIds() {
    }

    /** Translation's: Kafka Streams uses the application id as its group. */
    public static String translation(AppConfig config) {
        return config.get(StreamsConfig.APPLICATION_ID_CONFIG);
    }

    /** {@code <application.id>-deliver}. */
    public static String delivery(AppConfig config) {
        return translation(config) + "-deliver";
    }

    /** {@code <application.id>-replay-<checkpoint>}. */
    public static String replay(AppConfig config, String checkpoint) {
        return translation(config) + "-replay-" + checkpoint;
    }
}

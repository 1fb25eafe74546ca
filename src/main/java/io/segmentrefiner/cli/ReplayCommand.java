package io.segmentrefiner.cli;

import io.segmentrefiner.deadletter.TextHeaders;
import io.segmentrefiner.app.GroupIds;
import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.app.RunningParts;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.config.ConfigException;
import io.segmentrefiner.deadletter.DeadLetterHeaders;
import io.segmentrefiner.deadletter.Replay;
import io.segmentrefiner.deadletter.ReplayOptions;
import io.segmentrefiner.deadletter.ReplayFilter;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Sends dead letters back to the topic they came from; the work is {@link Replay}'s. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Send the dead letters on dlq.topic back to the topic each came from, without the dead-letter headers, "
                + "counting replays in refiner.replay.count. Reads up to the end as it is at the start, then stops; "
                + "a named checkpoint remembers what was replayed.")
final class ReplayCommand implements Callable<Integer> {

    private static final Pattern CHECKPOINT = Pattern.compile("[A-Za-z0-9._-]+");

    @Mixin
    ConfigOption config;

    @Option(names = "--stage", paramLabel = "STAGE", description = "Only dead letters of this stage: translate or deliver.")
    String stage;

    @Option(names = "--reason", paramLabel = "CODE", split = ",",
            description = "Only dead letters with this reason code, such as MISSING_IDENTITY or RETRIES_EXHAUSTED; repeatable.")
    List<String> reasons = new ArrayList<>();

    @Option(names = "--status", paramLabel = "STATUS", split = ",",
            description = "Only dead letters of delivery whose last HTTP status is this (429, 503, 0 for no response) or in this class (4xx, 5xx); repeatable.")
    List<String> statuses = new ArrayList<>();

    @Option(names = "--since", paramLabel = "TIME",
            description = "Only dead letters written at or after TIME: an instant (2026-11-28T10:00:00Z) or that long ago (30m, 2h, 1d).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Only dead letters written before TIME, in the same forms.")
    String until;

    @Option(names = "--from-offsets", paramLabel = "P:O,...",
            description = "Start these partitions of the dead-letter topic at these offsets (0:120,1:98) instead of the checkpoint's position.")
    String fromOffsets;

    @Option(names = "--checkpoint", paramLabel = "NAME", defaultValue = Replay.DEFAULT_CHECKPOINT,
            description = "The checkpoint that remembers what was replayed: consumer group <application.id>-replay-NAME (default: ${DEFAULT-VALUE}).")
    String checkpoint;

    @Option(names = "--max-replays", paramLabel = "N", defaultValue = "3",
            description = "Leave alone, and report, a dead letter already replayed N times (default: ${DEFAULT-VALUE}).")
    int maxReplays;

    @Option(names = "--dry-run", description = "Print what would be replayed, by stage and reason; send nothing, commit nothing.")
    boolean dryRun;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        AppConfig settings = config.load().forTools();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!CHECKPOINT.matcher(checkpoint).matches()) {
            throw new ConfigException("--checkpoint: '" + checkpoint + "' is not a name of letters, digits, '.', '_' and '-'");
        }
        ReplayOptions options;
        try {
            ReplayFilter filter = ReplayFilter.parse(stage, reasons, statuses, since, until, Instant.now());
            options = new ReplayOptions(StageSettings.topics(settings).deadLetters(), filter, maxReplays,
                    fromOffsets == null ? Map.of() : ReplayOptions.parseOffsets(fromOffsets), dryRun);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerSettings(settings), new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = dryRun ? null
                     : new KafkaProducer<>(producerSettings(settings), new ByteArraySerializer(), new ByteArraySerializer())) {
            Replay replay = new Replay(consumer, Optional.<Producer<byte[], byte[]>>ofNullable(producer), options);
            return runUntilDoneOrStopped(replay, out, err);
        } catch (Replay.CannotStart e) {
            throw new ConfigException(e.getMessage());
        } catch (Replay.Failed | org.apache.kafka.common.errors.TimeoutException e) {
            err.println("segment-refiner: replay stopped: " + e.getMessage() + " (brokers " + settings.get(AppConfig.BOOTSTRAP_SERVERS) + ")");
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** On SIGTERM or Ctrl-C the replay ends after its current batch, committed, and prints its summary. */
    private int runUntilDoneOrStopped(Replay replay, PrintWriter out, PrintWriter err) {
        CountDownLatch finished = new CountDownLatch(1);
        RunningParts parts = new RunningParts("segment-refiner-replay-stop");
        parts.add(() -> {
            replay.stop();
            finished.await(30, TimeUnit.SECONDS); // for the summary of the batch it is in
        });
        try {
            Reporter reporter = new Reporter(err);
            Replay.Summary summary = replay.run(reporter);
            reporter.finish(summary);
            if (dryRun) {
                printByStageAndReason(out, summary);
                out.printf(Locale.ROOT, "would replay %d, skipped by filter %d, left alone %d (max replays)%n",
                        summary.replayed(), summary.skippedByFilter(), summary.leftAlone());
            } else {
                out.printf(Locale.ROOT, "replayed %d, skipped by filter %d, left alone %d (max replays), in %.1f s%n",
                        summary.replayed(), summary.skippedByFilter(), summary.leftAlone(), summary.took().toMillis() / 1000.0);
            }
            if (!summary.complete()) {
                err.printf("Stopped before the end; the next replay with --checkpoint %s continues from here%n", checkpoint);
            }
            out.flush();
            err.flush();
            return 0;
        } finally {
            finished.countDown();
            parts.close();
        }
    }

    /** Progress on standard error, and each dead letter left alone. */
    private final class Reporter implements Replay.Listener {
        private final PrintWriter err;
        private Progress progress;

        Reporter(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void started(long deadLetters) {
            progress = new Progress(err, dryRun ? "read" : "replayed", deadLetters);
        }

        @Override
        public void progressed(long replayed, long read) {
            progress.update(dryRun ? read : replayed);
        }

        @Override
        public void leftAlone(ConsumerRecord<byte[], byte[]> deadLetter, String why) {
            err.printf("left alone: %s partition %d offset %d (%s %s): %s%n", deadLetter.topic(), deadLetter.partition(),
                    deadLetter.offset(), TextHeaders.read(deadLetter.headers(), DeadLetterHeaders.STAGE).orElse("-"),
                    TextHeaders.read(deadLetter.headers(), DeadLetterHeaders.REASON).orElse("-"), why);
        }

        void finish(Replay.Summary summary) {
            progress.finish(dryRun ? summary.read() : summary.replayed());
        }
    }

    private void printByStageAndReason(PrintWriter out, Replay.Summary summary) {
        int reasonWidth = summary.replayedBy().keySet().stream().mapToInt(key -> key.reason().length()).max().orElse(0);
        summary.replayedBy().forEach((key, count) ->
                out.printf(Locale.ROOT, "%-9s  %-" + reasonWidth + "s  %d%n", key.stage(), key.reason(), count));
    }

    private Map<String, Object> consumerSettings(AppConfig settings) {
        Map<String, Object> consumer = KafkaClientSettings.consumer(settings);
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, GroupIds.replay(settings, checkpoint));
        // Looking up an origin topic must not create it.
        consumer.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        consumer.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "segment-refiner-replay");
        return consumer;
    }

    private static Map<String, Object> producerSettings(AppConfig settings) {
        Map<String, Object> producer = KafkaClientSettings.producer(settings);
        producer.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "segment-refiner-replay");
        return producer;
    }
}

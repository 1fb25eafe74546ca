package io.segmentrefiner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.config.ConfigException;
import io.segmentrefiner.refiner.Contact;
import io.segmentrefiner.segment.SegmentMessagePreparer;
import io.segmentrefiner.segment.SegmentMessagePreparer.Prepared;
import io.segmentrefiner.segment.SegmentMessagePreparer.Ready;
import io.segmentrefiner.segment.SegmentMessagePreparer.Unsendable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends Segment messages from JSON-lines files (or standard input) to the input topic, keyed by contact, with an
 * idempotent producer, and waits for every acknowledgement before it prints {@code sent N, refused N, in S.S s}.
 * <p>
 * Exit status: 0 when every valid event was sent, even if some lines were not JSON objects or not UTF-8 (those are
 * reported on standard error with their place, counted as refused, and skipped); 1 when the broker refused any
 * record; 2 for a bad setting or a FILE that cannot be read. A refusal that concerns one record alone (too large,
 * invalid) does not stop the others; any other refusal (no broker, no topic, not authorized) stops reading, since
 * every later record would fail the same way after waiting {@code max.block.ms}.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Send Segment messages (one JSON document a line, from FILEs or standard input) to the input topic, keyed by contact.")
public final class ProduceCommand implements Callable<Integer> {

    private static final String STANDARD_INPUT = "<stdin>";
    // Enough to see what goes wrong without flooding the terminal when a whole buffer of records expires.
    private static final int BROKER_REFUSALS_SHOWN = 20;

    @Mixin
    ConfigOption config;

    @Option(names = "--topic", paramLabel = "T", description = "Topic to send to; default: the setting input.topic (segment.events).")
    String topic;

    @Parameters(arity = "0..*", paramLabel = "FILE", description = "JSON-lines files, sent in order; standard input when none.")
    List<Path> files = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        AppConfig settings = config.load().forTools();
        String target = topic != null ? topic : StageSettings.topics(settings).input();
        if (target.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--topic must name a topic");
        }
        for (Path file : files) {
            if (!Files.isReadable(file) || Files.isDirectory(file)) {
                throw new ParameterException(spec.commandLine(), "Cannot read " + file);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SegmentMessagePreparer preparer = new SegmentMessagePreparer(new ObjectMapper(), Contact::personOf,
                Clock.systemUTC(), () -> UUID.randomUUID().toString());
        Tally tally = new Tally(err);
        Progress progress = new Progress(err, "sent", -1);
        try (KafkaProducer<String, byte[]> producer = producer(settings)) {
            for (Source source : sources()) {
                if (!sendLines(source, preparer, producer, target, tally, progress)) {
                    break;
                }
            }
            producer.flush();
        }
        progress.finish(tally.sent.get());
        tally.reportHiddenRefusals();
        out.printf(Locale.ROOT, "sent %d, refused %d, in %.1f s%n", tally.sent.get(), tally.refused(), progress.seconds());
        out.flush();
        err.flush();
        return tally.brokerRefused.get() > 0 ? 1 : 0;
    }

    /** Sends the events of one source's lines; false when the broker refuses records and reading should stop. */
    private static boolean sendLines(Source source, SegmentMessagePreparer preparer, KafkaProducer<String, byte[]> producer,
                                     String topic, Tally tally, Progress progress) throws IOException {
        try (JsonLines lines = JsonLines.open(source.file())) {
            for (JsonLines.Line line = lines.next(); line != null; line = lines.next()) {
                if (line.isBlank()) {
                    continue;
                }
                String where = source.name() + ":" + line.number();
                for (Prepared prepared : preparer.prepare(line.bytes())) {
                    if (prepared instanceof Unsendable refused) {
                        tally.badLine(where, refused.problem());
                    } else if (prepared instanceof Ready ready) {
                        send(producer, new ProducerRecord<>(topic, ready.key(), ready.value()), where, tally);
                    }
                }
                progress.update(tally.sent.get());
                if (tally.halted.get()) {
                    tally.err.println("Stopped at " + where + ": records cannot be sent (see above); later lines were not read");
                    return false;
                }
            }
        }
        return true;
    }

    private List<Source> sources() {
        return files.isEmpty()
                ? List.of(new Source(STANDARD_INPUT, null))
                : files.stream().map(file -> new Source(file.toString(), file)).toList();
    }

    /** A file, or standard input when {@code file} is null; {@code name} is what messages about its lines show. */
    private record Source(String name, Path file) {
    }

    private static KafkaProducer<String, byte[]> producer(AppConfig settings) {
        Map<String, Object> properties = KafkaClientSettings.producer(settings);
        properties.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "segment-refiner-produce");
        try {
            return new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
        } catch (KafkaException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof org.apache.kafka.common.config.ConfigException bad) {
                    throw new ConfigException("Kafka producer settings: " + bad.getMessage());
                }
            }
            throw e;
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, ProducerRecord<String, byte[]> record, String where, Tally tally) {
        try {
            producer.send(record, (metadata, exception) -> {
                if (exception == null) {
                    tally.sent.incrementAndGet();
                } else {
                    tally.brokerRefusal(where, exception);
                }
            });
        } catch (KafkaException e) {
            tally.brokerRefusal(where, e);
        }
    }

    /** The counts, updated from the producer's I/O thread as acknowledgements arrive. */
    private static final class Tally {
        private final PrintWriter err;
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong badLines = new AtomicLong();
        private final AtomicLong brokerRefused = new AtomicLong();
        private final AtomicBoolean halted = new AtomicBoolean();

        Tally(PrintWriter err) {
            this.err = err;
        }

        void badLine(String where, String problem) {
            badLines.incrementAndGet();
            err.println(where + ": " + problem);
        }

        void brokerRefusal(String where, Exception exception) {
            if (brokerRefused.incrementAndGet() <= BROKER_REFUSALS_SHOWN) {
                err.println(where + ": refused by the broker: " + exception.getClass().getSimpleName() + ": " + exception.getMessage());
            }
            if (!(exception instanceof RecordTooLargeException || exception instanceof InvalidRecordException)) {
                halted.set(true);
            }
        }

        void reportHiddenRefusals() {
            long hidden = brokerRefused.get() - BROKER_REFUSALS_SHOWN;
            if (hidden > 0) {
                err.println("... and " + hidden + " more records refused by the broker");
            }
        }

        long refused() {
            return badLines.get() + brokerRefused.get();
        }
    }
}

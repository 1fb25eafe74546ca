package io.segmentrefiner.deadletter;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.segmentrefiner.refiner.Reason;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The dead letters waiting in the dead-letter topic, per stage and reason: those after the offsets that
 * {@code replay}'s {@code default} checkpoint has committed (all of them before any replay), with the last of each
 * kind as a sample. Read by a consumer of its own that belongs to no group and remembers where it was, so each
 * {@link #refresh()} reads only the dead letters written since the last; it keeps one byte per dead letter after the
 * checkpoint (a million waiting dead letters: a megabyte).
 */
public final class WaitingDeadLetters implements AutoCloseable {

    /** How long one refresh reads at most; the rest is read by the next. */
    private static final Duration READ_FOR = Duration.ofSeconds(5);
    static final int VALUE_CHARS = 2_000;

    /**
     * The last dead letter of a kind.
     *
     * @param value   the dead letter's value as text, cut to 2,000 characters; for delivery's, which are Avro, its size
     * @param status  the last HTTP status delivery had, when it had one
     * @param answer  the start of Refiner's last answer, when there was one
     */
    public record Sample(Instant at, String message, String value, String status, String answer, String origin) {
    }

    /** A kind of dead letter: how many wait, and the last one seen (since the start of this process). */
    public record Kind(String stage, String reason, long waiting, Sample last) {
    }

    private record KindKey(String stage, String reason) {
    }

    /** One byte per offset after the trimmed start: 0 for no dead letter, else its kind's index plus one. */
    private static final class PartitionTally {
        long base = -1;
        byte[] kinds = new byte[1024];
        int size;

        void put(long offset, int kind) {
            if (base < 0) {
                base = offset;
            }
            long at = offset - base;
            if (at < 0 || at > Integer.MAX_VALUE - 16) {
                return;
            }
            if (at >= kinds.length) {
                kinds = Arrays.copyOf(kinds, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(at + 1, (long) kinds.length * 2)));
            }
            kinds[(int) at] = (byte) kind;
            size = Math.max(size, (int) at + 1);
        }

        void countFrom(long checkpoint, long[] counts) {
            int from = (int) Math.max(0, Math.min(size, checkpoint - Math.max(base, 0)));
            for (int i = from; i < size; i++) {
                if (kinds[i] != 0) {
                    counts[(kinds[i] & 0xff) - 1]++;
                }
            }
        }

        /** Forgets what is before the checkpoint, once that is a good part of what is kept. */
        void trimTo(long checkpoint) {
            long drop = checkpoint - base;
            if (base >= 0 && drop > 4096 && drop > size / 2) {
                int from = (int) Math.min(size, drop);
                kinds = Arrays.copyOfRange(kinds, from, Math.max(from + 1024, size));
                size -= from;
                base += from;
            }
        }
    }

    private final String topic;
    private final String checkpointGroup;
    private final Admin admin;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, PartitionTally> tallies = new HashMap<>();
    private final List<KindKey> kinds = new ArrayList<>();
    private final Map<KindKey, Sample> lastSamples = new HashMap<>();
    private volatile List<Kind> waiting = List.of();
    private volatile boolean refreshed;

    /** @param consumerSettings the Kafka settings of a consumer (bootstrap, security); no group is used */
    public WaitingDeadLetters(Map<String, Object> consumerSettings, Admin admin, String topic, String checkpointGroup) {
        Map<String, Object> settings = new HashMap<>(consumerSettings);
        settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        settings.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, "segment-refiner-status-dlq");
        this.consumer = new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.admin = admin;
        this.topic = topic;
        this.checkpointGroup = checkpointGroup;
    }

    /** Reads what was dead-lettered since the last refresh, and the checkpoint; on the caller's thread. */
    public void refresh() throws Exception {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                .map(info -> new TopicPartition(info.topic(), info.partition())).sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
        if (!consumer.assignment().containsAll(partitions)) {
            consumer.assign(partitions);
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(5));
        long until = System.nanoTime() + READ_FOR.toNanos();
        while (System.nanoTime() < until && partitions.stream().anyMatch(p -> consumer.position(p, Duration.ofSeconds(5)) < ends.get(p))) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                tally(record);
            }
        }
        Map<TopicPartition, OffsetAndMetadata> checkpoint = admin.listConsumerGroupOffsets(checkpointGroup)
                .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
        long[] counts = new long[kinds.size()];
        tallies.forEach((partition, tally) -> {
            OffsetAndMetadata committed = checkpoint.get(partition);
            long from = committed == null ? 0 : committed.offset();
            tally.trimTo(from);
            tally.countFrom(from, counts);
        });
        List<Kind> now = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            KindKey key = kinds.get(i);
            now.add(new Kind(key.stage(), key.reason(), counts[i], lastSamples.get(key)));
        }
        waiting = List.copyOf(now);
        refreshed = true;
    }

    /**
     * The gauge {@code refiner.dead.letters.waiting{stage, reason}}, for every reason a dead letter can have (0 until
     * one waits); NaN until the first refresh has read the topic.
     */
    public void bindTo(MeterRegistry registry) {
        for (Reason reason : Reason.ofDeadLetters()) {
            Gauge.builder("refiner.dead.letters.waiting", this, dlq -> dlq.waitingOf(reason))
                    .description("Dead letters in the dead-letter topic after replay's default checkpoint")
                    .tags("stage", reason.stage().code(), "reason", reason.name()).strongReference(true).register(registry);
        }
    }

    private double waitingOf(Reason reason) {
        if (!refreshed) {
            return Double.NaN;
        }
        return waiting.stream().filter(kind -> kind.reason().equals(reason.name()) && kind.stage().equals(reason.stage().code()))
                .mapToLong(Kind::waiting).sum();
    }

    /** Every kind seen, with how many of it wait; as of the last refresh. */
    public List<Kind> waiting() {
        return waiting;
    }

    private void tally(ConsumerRecord<byte[], byte[]> record) {
        String stage = TextHeaders.read(record.headers(), DeadLetterHeaders.STAGE).orElse("unknown");
        String reason = TextHeaders.read(record.headers(), DeadLetterHeaders.REASON).orElse("UNKNOWN");
        KindKey key = new KindKey(stage, reason);
        int index = kinds.indexOf(key);
        if (index < 0) {
            if (kinds.size() >= 255) {
                return; // more kinds than reasons exist: headers written by someone else
            }
            kinds.add(key);
            index = kinds.size() - 1;
        }
        tallies.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), p -> new PartitionTally())
                .put(record.offset(), index + 1);
        lastSamples.put(key, new Sample(Instant.ofEpochMilli(record.timestamp()),
                TextHeaders.read(record.headers(), DeadLetterHeaders.MESSAGE).orElse(""),
                "translate".equals(stage) ? text(record.value()) : "(" + (record.value() == null ? 0 : record.value().length) + " bytes of Avro)",
                TextHeaders.read(record.headers(), DeadLetterHeaders.HTTP_STATUS).orElse(""),
                TextHeaders.read(record.headers(), DeadLetterHeaders.RESPONSE_BODY).orElse(""),
                TextHeaders.read(record.headers(), DeadLetterHeaders.ORIGIN_TOPIC).orElse("") + "-"
                        + TextHeaders.read(record.headers(), DeadLetterHeaders.ORIGIN_PARTITION).orElse("") + "@"
                        + TextHeaders.read(record.headers(), DeadLetterHeaders.ORIGIN_OFFSET).orElse("")));
    }

    private static String text(byte[] value) {
        if (value == null) {
            return "";
        }
        if (value.length > VALUE_CHARS * 4) {
            return new String(value, 0, VALUE_CHARS * 4, StandardCharsets.UTF_8).substring(0, VALUE_CHARS) + "…";
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value)).toString();
            return text.length() <= VALUE_CHARS ? text : text.substring(0, VALUE_CHARS) + "…";
        } catch (CharacterCodingException notText) {
            return "(" + value.length + " bytes, not UTF-8)";
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}

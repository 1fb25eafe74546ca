package io.segmentrefiner.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How far each stage's consumer group is behind its topic, in records: the committed offsets of the group against
 * the topic's last stable offsets (what a {@code read_committed} consumer can read), over all partitions, as the
 * brokers know it; the same for every instance of the group. Asked with the admin client on {@link #refresh()};
 * published as the gauge {@code refiner.consumer.lag{stage}} (records).
 */
public final class ConsumerLag {

    /** A stage's group on one of its input topics. */
    public record Stage(String stage, String group, String topic) {
    }

    /** @param records empty until the first refresh answered */
    public record Reading(String stage, String group, String topic, Optional<Long> records, Instant at) {
    }

    private final Admin admin;
    private final List<Stage> stages;
    private final Clock clock;
    private volatile Map<Stage, Reading> readings = Map.of();

    public ConsumerLag(Admin admin, List<Stage> stages, Clock clock) {
        this.admin = admin;
        this.stages = List.copyOf(stages);
        this.clock = clock;
    }

    public void bindTo(MeterRegistry registry) {
        for (Stage stage : stages) {
            Gauge.builder("refiner.consumer.lag", this, lag -> lag.records(stage))
                    .description("Records of the stage's input topic its consumer group has not committed yet; the retry stage is the retry backlog")
                    .baseUnit("records").tag("stage", stage.stage()).strongReference(true).register(registry);
        }
    }

    /** Asks the brokers; a stage they do not answer for keeps its last reading. */
    public void refresh() {
        Map<Stage, Reading> now = new HashMap<>(readings);
        for (Stage stage : stages) {
            try {
                now.put(stage, new Reading(stage.stage(), stage.group(), stage.topic(), Optional.of(lagOf(stage)), clock.instant()));
            } catch (Exception unanswered) {
                now.putIfAbsent(stage, new Reading(stage.stage(), stage.group(), stage.topic(), Optional.empty(), clock.instant()));
            }
        }
        readings = Map.copyOf(now);
    }

    /** A reading per stage, in the order given. */
    public List<Reading> readings() {
        List<Reading> ordered = new ArrayList<>();
        stages.forEach(stage -> ordered.add(readings.getOrDefault(stage,
                new Reading(stage.stage(), stage.group(), stage.topic(), Optional.empty(), Instant.EPOCH))));
        return ordered;
    }

    private double records(Stage stage) {
        Reading reading = readings.get(stage);
        return reading == null || reading.records().isEmpty() ? Double.NaN : reading.records().get();
    }

    private long lagOf(Stage stage) throws Exception {
        TopicDescription topic = admin.describeTopics(List.of(stage.topic())).allTopicNames().get(5, TimeUnit.SECONDS).get(stage.topic());
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        topic.partitions().forEach(p -> {
            latest.put(new TopicPartition(stage.topic(), p.partition()), OffsetSpec.latest());
            earliest.put(new TopicPartition(stage.topic(), p.partition()), OffsetSpec.earliest());
        });
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(stage.group())
                .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
        ListOffsetsOptions stable = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);
        var ends = admin.listOffsets(latest, stable).all().get(5, TimeUnit.SECONDS);
        var starts = admin.listOffsets(earliest, stable).all().get(5, TimeUnit.SECONDS);
        long lag = 0;
        for (TopicPartition partition : latest.keySet()) {
            OffsetAndMetadata at = committed.get(partition);
            long from = at == null ? starts.get(partition).offset() : at.offset();
            lag += Math.max(0, ends.get(partition).offset() - from);
        }
        return lag;
    }
}

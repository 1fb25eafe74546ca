package io.segmentrefiner.benchmark;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.app.DeliveryStage;
import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.delivery.DeliveryEngine;
import io.segmentrefiner.harness.Await;
import io.segmentrefiner.harness.KafkaBrokerProcess;
import io.segmentrefiner.harness.RealInfrastructure;
import io.segmentrefiner.harness.RefinerStub;
import io.segmentrefiner.harness.RefinerStub.Answer;
import io.segmentrefiner.harness.RequestRecords;
import io.segmentrefiner.registry.InMemorySchemaRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.common.TopicPartition;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a contact stuck behind a request Refiner never accepts costs: one contact whose every request is answered
 * 500, while 10,000 requests of other contacts are delivered around it; then {@code held} more requests of it,
 * which wait behind the first. Prints the heap and the bytes of the retry topic they take, each per held request,
 * and the bytes of each further retry record of the stuck one (its retries squeezed from minutes apart to 200 ms).
 *
 * <p>Run: {@code mvn -B -q -Pbenchmark-stuck test-compile exec:exec} ({@code -Dbenchmark.held=N}).
 */
public final class StuckContactBenchmark {

    private static final String STUCK = "stuck-contact";

    public static void main(String[] args) throws Exception {
        int heldTarget = args.length > 0 ? Integer.parseInt(args[0]) : 999;
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(RealInfrastructure.workDir("benchmark-stuck-kafka"));
             RefinerStub stub = RefinerStub.start()) {
            stub.answer(request -> RequestRecords.contactOf(request.body()).equals(STUCK) ? Answer.status(500) : Answer.ok());
            AppConfig config = AppConfig.of(Map.of(
                    AppConfig.BOOTSTRAP_SERVERS.key(), broker.bootstrapServers(),
                    AppConfig.SCHEMA_REGISTRY_URL.key(), "mock://stuck-benchmark",
                    AppConfig.REFINER_API_URL.key(), stub.url(),
                    AppConfig.REFINER_API_KEY.key(), "benchmark",
                    AppConfig.DELIVERY_RETRY_INITIAL_BACKOFF.key(), "50ms",
                    AppConfig.DELIVERY_RETRY_MAX_BACKOFF.key(), "200ms",
                    AppConfig.DELIVERY_HOLD_MAX.key(), Integer.toString(heldTarget + 10),
                    AppConfig.TOPICS_PARTITIONS.key(), "1",
                    "application.id", "stuck-benchmark"));
            TranslationStage.createMissingTopics(config);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            InMemorySchemaRegistry registry = InMemorySchemaRegistry.scope("stuck-benchmark");
            try (DeliveryEngine engine = DeliveryStage.start(config, meters)) {
                // The stuck contact's first request, then 10,000 of other contacts: delivered around it.
                List<RefinerRequestRecord> others = new ArrayList<>(List.of(RequestRecords.track("m-0", STUCK, "Survey Shown 0")));
                for (int i = 1; i <= 10_000; i++) {
                    others.add(RequestRecords.track("o-" + i, "user-" + (i % 5_000), "Survey Shown " + i));
                }
                RequestRecords.produce(broker.bootstrapServers(), StageSettings.topics(config).requests(), registry, others);
                Await.until("the other contacts' requests delivered", Duration.ofMinutes(5), () -> stub.delivered().size() == 10_000);
                long heapBefore = usedHeapAfterGc();
                long bytesBefore = bytesOf(config, new TopicPartition(StageSettings.topics(config).retries(), 0));

                List<RefinerRequestRecord> later = new ArrayList<>();
                for (int i = 1; i <= heldTarget; i++) {
                    later.add(RequestRecords.track("m-" + i, STUCK, "Survey Shown " + i));
                }
                RequestRecords.produce(broker.bootstrapServers(), StageSettings.topics(config).requests(), registry, later);
                Await.until("the stuck contact's later requests held", Duration.ofMinutes(5),
                        () -> meters.get("refiner.delivery.held").gauge().value() >= heldTarget + 1);
                long heap = usedHeapAfterGc() - heapBefore;
                long heldBytes = bytesOf(config, new TopicPartition(StageSettings.topics(config).retries(), 0)) - bytesBefore;
                int attemptsBefore = attemptsOfTheStuckOne(stub);
                long retryBytesBefore = bytesOf(config, new TopicPartition(StageSettings.topics(config).retries(), 0));
                Thread.sleep(20_000); // retries of the stuck request, up to 200 ms apart: hours of them at 10 minutes, squeezed
                int retries = attemptsOfTheStuckOne(stub) - attemptsBefore;
                long retryBytes = bytesOf(config, new TopicPartition(StageSettings.topics(config).retries(), 0)) - retryBytesBefore;
                System.out.printf("stuck contact: %,d requests held behind one that Refiner refuses%n"
                                + "  heap:        %,d bytes, %,.0f a held request%n"
                                + "  retry topic: %,d bytes for the held requests, %,.0f each; %,d bytes for %d more retries of the stuck one, %,.0f each%n",
                        heldTarget, heap, heap / (double) heldTarget, heldBytes, heldBytes / (double) heldTarget, retryBytes, retries,
                        retries == 0 ? 0 : retryBytes / (double) retries);
            }
        }
    }

    private static int attemptsOfTheStuckOne(RefinerStub stub) {
        return (int) stub.received().stream().filter(r -> r.idempotencyKey().equals("m-0")).count();
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long bytesOf(AppConfig config, TopicPartition partition) throws Exception {
        try (Admin admin = Admin.create(KafkaClientSettings.admin(config))) {
            long bytes = 0;
            for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(List.of(1)).allDescriptions().get().values()) {
                for (LogDirDescription dir : dirs.values()) {
                    ReplicaInfo replica = dir.replicaInfos().get(partition);
                    bytes += replica == null ? 0 : replica.size();
                }
            }
            return bytes;
        }
    }
}

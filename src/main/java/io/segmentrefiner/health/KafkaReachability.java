package io.segmentrefiner.health;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Whether the brokers answer, asked every few seconds in the background: Kafka Streams and consumers retry quietly
 * through an outage, so their state alone does not tell a reader that nothing is moving.
 */
public final class KafkaReachability implements AutoCloseable {

    private final Admin admin;
    private final ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "segment-refiner-kafka-check");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean reachable = true;

    public KafkaReachability(Map<String, Object> adminSettings, Duration every) {
        Map<String, Object> settings = new HashMap<>(adminSettings);
        settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        this.admin = Admin.create(settings);
        schedule.scheduleWithFixedDelay(this::check, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void check() {
        try {
            admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
            reachable = true;
        } catch (Exception unreachable) {
            reachable = false;
        }
    }

    public boolean reachable() {
        return reachable;
    }

    @Override
    public void close() {
        schedule.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}

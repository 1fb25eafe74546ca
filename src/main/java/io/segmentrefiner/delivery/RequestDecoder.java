package io.segmentrefiner.delivery;

import io.segmentrefiner.avro.RefinerRequestRecord;
import io.segmentrefiner.registry.SchemaRegistry;
import io.segmentrefiner.registry.SchemaRegistryException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Reads request records without waiting on the schema registry. A writer's schema not yet known is fetched in the
 * background, and until it is there the record is {@link Decoded.SchemaUnavailable}: the caller holds it and goes on
 * with others. A registry that cannot be reached, times out or answers 5xx is asked again with backoff, as long as it
 * takes; only what can never be read is {@link Decoded.Unreadable}: bytes not in the Confluent wire format, a schema
 * id the registry does not know (404), Avro that does not match its schema.
 */
final class RequestDecoder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RequestDecoder.class);
    // A registry restart or failover takes seconds to minutes: ask again soon at first, then every 30 s at most.
    private static final Duration FIRST_WAIT = Duration.ofSeconds(1);
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(30);
    // The Confluent wire format: a zero byte, the writer's schema id in four bytes, then the Avro.
    private static final byte MAGIC_BYTE = 0;
    private static final int SCHEMA_ID_BYTES = 4;
    // A fetch normally takes milliseconds; one this old is a registry that does not answer.
    private static final Duration UNANSWERED = Duration.ofSeconds(5);

    /** What a record's value is. */
    sealed interface Decoded {
        record Request(RefinerRequestRecord request) implements Decoded {
        }

        /** Never readable: dead-letter it. */
        record Unreadable(String why) implements Decoded {
        }

        /** Its writer's schema is not known yet: hold the record and read it again later. */
        record SchemaUnavailable(int schemaId) implements Decoded {
        }
    }

    private sealed interface Fetch {
        record Known() implements Fetch {
        }

        record Unknown(String why) implements Fetch {
        }

        record Waiting(long sinceNanos, Optional<String> lastFailure) implements Fetch {
        }
    }

    private final SchemaRegistry registry;
    private final Deserializer<RefinerRequestRecord> deserializer;
    private final Map<Integer, Fetch> fetches = new ConcurrentHashMap<>();
    private final ScheduledExecutorService fetcher = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("refiner-delivery-schemas"));

    /** @param deserializer reads the Confluent wire format with the same registry, which caches what it fetched */
    RequestDecoder(SchemaRegistry registry, Deserializer<RefinerRequestRecord> deserializer) {
        this.registry = registry;
        this.deserializer = deserializer;
    }

    Decoded decode(String topic, byte[] value) {
        if (value == null || value.length < 1 + SCHEMA_ID_BYTES || value[0] != MAGIC_BYTE) {
            return new Decoded.Unreadable("The request record is not in the Confluent wire format (no magic byte 0 and schema id)");
        }
        int schemaId = ByteBuffer.wrap(value, 1, SCHEMA_ID_BYTES).getInt();
        Fetch fetch = fetches.computeIfAbsent(schemaId, id -> {
            fetcher.execute(() -> fetch(id, FIRST_WAIT));
            return new Fetch.Waiting(System.nanoTime(), Optional.empty());
        });
        if (fetch instanceof Fetch.Waiting) {
            return new Decoded.SchemaUnavailable(schemaId);
        }
        if (fetch instanceof Fetch.Unknown unknown) {
            return new Decoded.Unreadable(unknown.why());
        }
        try {
            return new Decoded.Request(deserializer.deserialize(topic, value));
        } catch (RuntimeException unreadable) {
            return new Decoded.Unreadable("The request record cannot be read: " + unreadable.getMessage());
        }
    }

    private void fetch(int id, Duration wait) {
        try {
            registry.schemaById(id);
            fetches.put(id, new Fetch.Known());
            if (wait.compareTo(FIRST_WAIT) > 0) {
                log.info("The schema registry answered: schema {} is known, delivery goes on", id);
            }
        } catch (SchemaRegistryException e) {
            if (!e.retriable()) {
                fetches.put(id, new Fetch.Unknown("The writer's schema " + id + " of the request record is unknown to the registry: " + e.getMessage()));
                return;
            }
            if (wait.equals(FIRST_WAIT)) {
                log.warn("Delivery waits for the schema registry to know schema {}, asking again with backoff up to every {}: {}",
                        id, LONGEST_WAIT, e.getMessage());
            }
            long since = fetches.get(id) instanceof Fetch.Waiting waiting ? waiting.sinceNanos() : System.nanoTime();
            fetches.put(id, new Fetch.Waiting(since, Optional.of(e.getMessage())));
            Duration next = wait.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait.multipliedBy(2);
            fetcher.schedule(() -> fetch(id, next), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException bug) {
            fetches.put(id, new Fetch.Unknown("The writer's schema " + id + " of the request record cannot be read: " + bug));
        }
    }

    /** Whether a record with this schema id can be read again: its schema came, or it never will. */
    boolean settled(int schemaId) {
        return !(fetches.get(schemaId) instanceof Fetch.Waiting);
    }

    /**
     * What is wrong with the registry, while a schema waits for it: its last failure, or, while the first question
     * goes unanswered (a registry that hangs), for how long it has not answered.
     */
    Optional<String> registryProblem() {
        long now = System.nanoTime();
        return fetches.values().stream()
                .flatMap(fetch -> fetch instanceof Fetch.Waiting waiting ? Stream.of(waiting) : Stream.empty())
                .flatMap(waiting -> waiting.lastFailure().or(() -> now - waiting.sinceNanos() > UNANSWERED.toNanos()
                        ? Optional.of("no answer for " + Duration.ofNanos(now - waiting.sinceNanos()).toSeconds() + " s") : Optional.empty()).stream())
                .findFirst();
    }

    @Override
    public void close() {
        fetcher.shutdownNow();
    }
}

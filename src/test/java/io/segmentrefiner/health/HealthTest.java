package io.segmentrefiner.health;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class HealthTest {

    /** A part whose state the test sets. */
    private static final class Part implements HealthPart {
        final String name;
        final AtomicReference<String> state = new AtomicReference<>("RUNNING");
        final AtomicReference<Optional<String>> failure = new AtomicReference<>(Optional.empty());
        final AtomicReference<Optional<String>> notReady = new AtomicReference<>(Optional.empty());

        Part(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String state() {
            return state.get();
        }

        @Override
        public Optional<String> failure() {
            return failure.get();
        }

        @Override
        public Optional<String> notReady() {
            return notReady.get();
        }
    }

    @Test
    void aPartThatCannotDoItsJobNowMakesItNotReadyButLiveAndTheGaugeSaysSo() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Part translation = new Part("translation");
        Part delivery = new Part("delivery");
        Health health = new Health(List.of(translation, delivery), () -> true, meters);
        assertThat(health.notReady()).isEmpty();
        assertThat(meters.get("segment.refiner.ready").gauge().value()).isEqualTo(1.0);

        translation.state.set("WAITING_FOR_REGISTRY");
        translation.notReady.set(Optional.of("waiting for the schema registry: connection refused"));

        assertThat(health.notReady()).containsExactly("translation: waiting for the schema registry: connection refused");
        assertThat(health.notLive()).isEmpty();
        assertThat(health.parts()).containsEntry("translation", "WAITING_FOR_REGISTRY").containsEntry("delivery", "RUNNING");
        assertThat(meters.get("segment.refiner.ready").gauge().value()).isZero();
    }

    @Test
    void aPartThatStoppedMakesItNotLive() {
        Part delivery = new Part("delivery");
        Health health = new Health(List.of(delivery), () -> true, new SimpleMeterRegistry());

        delivery.failure.set(Optional.of("stopped: a retry or dead letter could not be written"));

        assertThat(health.notLive()).containsExactly("delivery: stopped: a retry or dead letter could not be written");
    }

    @Test
    void unreachableBrokersMakeItNotReady() {
        AtomicBoolean reachable = new AtomicBoolean(true);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Health health = new Health(List.of(), reachable::get, meters);
        assertThat(health.notReady()).isEmpty();
        assertThat(meters.get("segment.refiner.ready").gauge().value()).isEqualTo(1.0);

        reachable.set(false);

        assertThat(health.notReady()).containsExactly("kafka: the brokers do not answer");
        assertThat(health.parts()).containsEntry("kafka", "UNREACHABLE");
        assertThat(health.notLive()).as("a broker outage is no reason to restart the application").isEmpty();
    }
}

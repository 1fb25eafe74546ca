package io.segmentrefiner.delivery;

import java.time.Duration;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.LongFunction;

/**
 * A throttle in virtual time against a simulated destination: as many requests waiting as it lets out, each
 * answered after a network latency by the destination's rule at the moment it arrives. What a second of real
 * delivery against a rate limiter does, in microseconds, exactly repeatable for a seed.
 */
final class ThrottleSimulation {

    static final long MS = 1_000_000L;
    static final long SECOND = 1_000_000_000L;

    /** The destination: its answer to a request arriving at a moment. */
    interface Destination {
        Verdict answer(long arrival);
    }

    /** A token bucket of {@code rate} a second holding {@code burstSeconds} of it, 429 with Retry-After: 1 above. */
    static LongFunction<Destination> tokenBucket(double burstSeconds, LongFunction<Double> rateAt) {
        return start -> new Destination() {
            private double tokens = rateAt.apply(start) * burstSeconds;
            private long last = start;

            @Override
            public Verdict answer(long arrival) {
                double rate = rateAt.apply(arrival);
                tokens = Math.min(rate * burstSeconds, tokens + (arrival - last) / (double) SECOND * rate);
                last = arrival;
                if (tokens >= 1) {
                    tokens -= 1;
                    return new Verdict.Delivered();
                }
                return new Verdict.Retry(Optional.of(Duration.ofSeconds(1)), true);
            }
        };
    }

    /** A destination without a limit behind a proxy that answers a share of all requests with 429 at random. */
    static LongFunction<Destination> flaky(double share, Random random) {
        return start -> arrival -> random.nextDouble() < share
                ? new Verdict.Retry(Optional.of(Duration.ofSeconds(1)), true) : new Verdict.Delivered();
    }

    /** What a run measured over its measured window. */
    record Result(double accepted, double throttledShare, double sentPerSecond, double rateAtEnd) {
    }

    private record Event(long at, Throttle.Ticket ticket, Verdict verdict) implements Comparable<Event> {
        @Override
        public int compareTo(Event other) {
            return Long.compare(at, other.at);
        }
    }

    private ThrottleSimulation() {
    }

    /**
     * @param latency  the round trip of one request, half before it arrives
     * @param measureFrom from when (the run starts at 0) until {@code end} accepted answers and 429s are counted
     */
    static Result run(Throttle throttle, Destination destination, long latency, long measureFrom, long end, Random random) {
        PriorityQueue<Event> events = new PriorityQueue<>();
        long now = 0;
        long accepted = 0;
        long throttled = 0;
        long answered = 0;
        while (now < end) {
            for (Optional<Throttle.Ticket> ticket = throttle.tryAcquire(now); ticket.isPresent(); ticket = throttle.tryAcquire(now)) {
                long jitter = (long) (random.nextDouble() * latency / 2);
                Verdict verdict = destination.answer(now + latency / 2 + jitter / 2);
                events.add(new Event(now + latency + jitter, ticket.get(), verdict));
            }
            Optional<Duration> wait = throttle.waitWhenBlocked(now);
            long next = events.isEmpty() ? Long.MAX_VALUE : events.peek().at();
            if (wait.isPresent()) {
                next = Math.min(next, now + wait.get().toNanos());
            }
            if (next == Long.MAX_VALUE) {
                throw new IllegalStateException("the throttle lets nothing out and waits for nothing");
            }
            now = Math.max(now, next);
            while (!events.isEmpty() && events.peek().at() <= now) {
                Event event = events.poll();
                throttle.release(event.ticket(), event.verdict(), event.at());
                if (event.at() >= measureFrom && event.at() < end) {
                    answered++;
                    accepted += event.verdict() instanceof Verdict.Delivered ? 1 : 0;
                    throttled += event.verdict() instanceof Verdict.Retry ? 1 : 0;
                }
            }
        }
        double seconds = (end - measureFrom) / (double) SECOND;
        return new Result(accepted / seconds, answered == 0 ? 0 : throttled / (double) answered, answered / seconds, throttle.rate());
    }
}

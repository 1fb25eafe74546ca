package io.segmentrefiner.delivery;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;

/**
 * The breaker that pauses delivery while Refiner refuses the API key (401 or 403): a wrong key is wrong for every
 * request, so once one is refused nothing goes out but a probe, one request at a time, with a backoff that doubles
 * from {@link #FIRST_PROBE} up to {@code delivery.auth.probe.max}. Any answer that is not 401 or 403 closes it.
 * Pure and not thread-safe: the scheduler holds its lock and passes the time, in nanoseconds.
 */
final class KeyBreaker {

    private static final Logger log = LoggerFactory.getLogger(KeyBreaker.class);
    // A key rotated in the wrong order is right again within seconds: the first probe soon, then doubling, so that a
    // key that stays wrong costs Refiner one request per longest wait.
    static final Duration FIRST_PROBE = Duration.ofSeconds(1);

    private final Duration longestWait;
    private boolean open;
    private boolean probing;
    private long probeAt;
    private Duration nextProbe = FIRST_PROBE;

    KeyBreaker(Duration longestWait) {
        this.longestWait = longestWait;
    }

    /** Whether the key is refused: nothing goes out but probes. */
    boolean open() {
        return open;
    }

    /**
     * A 401 or 403. A refused probe doubles the wait before the next one.
     *
     * @return how long until the next probe, when a wake-up for it is owed: on the first refusal and after a probe
     */
    Optional<Duration> refused(int status, boolean wasProbe, long now) {
        boolean first = !open;
        open = true;
        if (wasProbe) {
            probing = false;
            Duration doubled = nextProbe.multipliedBy(2);
            nextProbe = doubled.compareTo(longestWait) > 0 ? longestWait : doubled;
        }
        if (first) {
            log.error("Refiner refused the API key (HTTP {}): delivery is paused until it is accepted again, probing with "
                    + "backoff up to every {}. Check refiner.api.key.", status, longestWait);
        }
        if (!first && !wasProbe) {
            return Optional.empty(); // one sent before the first refusal: the probe is timed already
        }
        probeAt = now + nextProbe.toNanos();
        return Optional.of(nextProbe);
    }

    /** An answer that is not 401 or 403: the key works, and the breaker closes. */
    void accepted() {
        if (!open) {
            return;
        }
        open = false;
        probing = false;
        nextProbe = FIRST_PROBE;
        log.info("Refiner accepts the API key again: delivery resumed");
    }

    /** The probe's answer will not count (its pair was handed back meanwhile): another may go. */
    void probeForgotten() {
        probing = false;
    }

    /** Whether a probe may go out now: none is out, and its wait has passed. */
    boolean probeDue(long now) {
        return !probing && now >= probeAt;
    }

    /** How long until a probe may go out; empty while one is out, whose answer decides. */
    Optional<Duration> untilProbe(long now) {
        return probing ? Optional.empty() : Optional.of(Duration.ofNanos(probeAt - now));
    }

    void probeSent() {
        probing = true;
    }
}

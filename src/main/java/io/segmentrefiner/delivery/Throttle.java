package io.segmentrefiner.delivery;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;

/**
 * How many requests may go out now: at most {@code delivery.max.in.flight} at once, at most
 * {@code delivery.rate.limit} a second when one is set, and at most the rate Refiner is found to accept.
 *
 * <p>That last rate is learned from 429 answers, one decision per congestion event rather than one per answer: the
 * requests of one burst were all sent before the sender could know, so only 429s for requests sent since the last
 * decrease say that the rate now is too high. The rate then drops to {@value #DECREASE} of what Refiner accepted in
 * the last second, and grows by {@value #GROWTH_PER_STEP} of itself every {@value #STEP_MILLIS} ms while it is what
 * holds requests back, so that a limit that rose is found again within seconds.
 *
 * <p>Each decrease is an experiment: 429s that are about rate become much rarer below the limit. A decrease after
 * which they stay as frequent was not about rate (a proxy that answers a share of all requests with 429): it is
 * undone, and 429s that frequent are taken as background from then on, not as congestion.
 *
 * <p>A 429's {@code Retry-After} always applies to its own request (its retry waits that long); it stops everybody
 * (for {@link #LONGEST_PAUSE} at most) only when several answers in a row were 429 and nothing at all was accepted in
 * the last second, when sending more would only be refused.
 *
 * <p>Pure and not thread-safe: the caller holds a lock and passes the time, in nanoseconds. Its decisions are logged
 * at DEBUG.
 *
 * <p>It stays one class past 300 lines because it is one control loop: the slots, the tokens, the growth, the
 * congestion epochs and the judging of each decrease read and set each other's state on every answer, and the
 * constants that tune them are only understood side by side. Only the count of recent answers, which knows nothing
 * of the loop, is a class of its own.
 */
final class Throttle {

    // Just below what was accepted: a limiter lets through what it accepts, so 90% of that is under its limit, and a
    // deeper cut costs throughput the growth then takes seconds to win back.
    static final double DECREASE = 0.9;
    // 5% every 100 ms is about 1.6 times a second: a limit that rose is found again within seconds, while one step
    // over a limit that stayed brings only a few 429s.
    static final double GROWTH_PER_STEP = 0.05;
    static final long STEP_MILLIS = 100;
    private static final long SECOND = 1_000_000_000L;
    private static final long STEP = STEP_MILLIS * 1_000_000L;
    // The client's own burst: a tenth of a second of the learned rate, smooth enough not to drain a server's bucket.
    private static final double BURST_SECONDS = 0.1;
    // Never below one request a second: slower, a 429 or two would take minutes to be judged, and Retry-After pauses
    // everybody when nothing gets through at all.
    private static final double SLOWEST = 1.0;
    // 429s in one epoch before they count as congestion: one alone can be chance, and a decrease needs something
    // to be judged against.
    private static final int EVIDENCE = 5;
    // The share of 429s before a decrease is what the decrease is judged against: a handful of answers can read 25%
    // where a proxy answers 10% at random, and make a decrease look as if it helped. Fifty answers, unless most of
    // twenty were refused.
    private static final int MEASURED_ON = 50;
    // Most of a new rate's first answers refused: the estimate it came from was far too high; decrease again at once.
    // Twenty answers keep chance out of it (at 30% background, 12 of 20 comes once in 200 epochs).
    private static final int SEVERE_AFTER = 20;
    private static final double SEVERE = 0.6;
    // A rate measured over less than 10 ms, right after a decrease, would read a handful of answers as thousands a second.
    private static final long SHORTEST_EPOCH = SECOND / 100;
    // A decrease is judged on answers to requests sent after the destination had time to feel it (its own bucket
    // refilling, the requests sent before still arriving), enough of them to tell 10% from 5%.
    private static final long SETTLE = SECOND / 5;
    private static final int JUDGED_ON = 100;
    // At a low rate that many answers take long: after this, a decrease is judged on what came, from
    // JUDGED_AT_LEAST answers on; on fewer it stands.
    private static final long LONGEST_JUDGEMENT = 3 * SECOND;
    private static final int JUDGED_AT_LEAST = 50;
    // It helped when 429s fell to this share of what they were, or below the least background worth learning
    // (a few 429s while a server's bucket refills are the rate's doing); it made no difference when they stayed
    // within this share either way.
    private static final double HELPED = 0.6;
    private static final double LEAST_BACKGROUND = 0.03;
    // 429s this frequent after a decrease, and more than before it: the rate is still far too high.
    private static final double FAR_TOO_HIGH = 0.3;
    // While a decrease is judged, congestion needs SEVERE and at least this much above the background: a high
    // background alone must never read as most answers refused.
    private static final double SEVERE_ABOVE_BACKGROUND = 0.3;
    // A count of 429s this many standard deviations above what the background explains is no chance (one epoch in
    // about seven hundred).
    private static final double STANDARD_DEVIATIONS = 3;
    private static final Logger log = LoggerFactory.getLogger(Throttle.class);
    /** The longest everybody waits for one {@code Retry-After}: past it, a request or two find out whether it still holds. */
    static final Duration LONGEST_PAUSE = Duration.ofMinutes(10);

    /** A slot taken: when, and in which congestion epoch; given back with the answer. */
    record Ticket(long epoch, long sentAt) {
    }

    private final int maxInFlight;
    private final double configuredRate;
    private final RecentAnswers recent = new RecentAnswers();
    private int inFlight;
    private long pausedUntil = Long.MIN_VALUE;
    private int throttledInARow;

    private double rate = Double.POSITIVE_INFINITY;
    private double tokens;
    private long lastRefill;
    private long lastGrowth;
    private boolean heldBackByRate;
    // When a request last found no token: the rate holds requests back only while they keep coming.
    private long lastHeldBack;

    private long epoch;
    private long epochStart;
    private int epochAnswers;
    private int epochThrottled;
    private int epochAccepted;
    private double background;

    private boolean judging;
    private double rateBeforeDecrease;
    private double shareBeforeDecrease;
    // The new rate as a share of the one requests went out at before it.
    private double decreasedBy;
    private int judgedAnswers;
    private int judgedThrottled;

    Throttle(int maxInFlight, double configuredRate, long now) {
        this.maxInFlight = maxInFlight;
        this.configuredRate = configuredRate;
        this.lastRefill = now;
        this.lastGrowth = now;
        this.epochStart = now;
        this.tokens = burst(effectiveRate());
    }

    /** Takes a slot when one is free now. */
    Optional<Ticket> tryAcquire(long now) {
        if (now < pausedUntil || inFlight >= maxInFlight) {
            return Optional.empty();
        }
        grow(now);
        double limit = effectiveRate();
        if (Double.isFinite(limit)) {
            tokens = Math.min(burst(limit), tokens + (now - lastRefill) / (double) SECOND * limit);
            lastRefill = now;
            if (tokens < 1) {
                heldBackByRate = true;
                lastHeldBack = now;
                return Optional.empty();
            }
            tokens -= 1;
            if (tokens >= 1) {
                heldBackByRate = false; // tokens to spare: the rate is not what holds requests back
            }
        }
        inFlight++;
        return Optional.of(new Ticket(epoch, now));
    }

    /** Gives the slot back, learning from the answer to the request that held it. */
    void release(Ticket ticket, Verdict verdict, long now) {
        inFlight--;
        boolean throttled = verdict instanceof Verdict.Retry retry && retry.throttled();
        recent.record(now, verdict instanceof Verdict.Delivered);
        throttledInARow = throttled ? throttledInARow + 1 : verdict instanceof Verdict.Delivered ? 0 : throttledInARow;
        if (throttled) {
            Optional<Duration> retryAfter = ((Verdict.Retry) verdict).retryAfter();
            if (retryAfter.isPresent() && throttledInARow >= EVIDENCE && recent.accepted(now) == 0) {
                Duration pause = retryAfter.get().compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : retryAfter.get();
                pausedUntil = Math.max(pausedUntil, now + pause.toNanos());
                heldBackByRate = false; // what holds requests back now is the pause, not the rate
            }
        }
        if (ticket.epoch() != epoch) {
            return; // sent before the last decrease: it tells nothing about the rate since
        }
        epochAnswers++;
        epochThrottled += throttled ? 1 : 0;
        epochAccepted += verdict instanceof Verdict.Delivered ? 1 : 0;
        if (judging && ticket.sentAt() - epochStart >= SETTLE) {
            judgedAnswers++;
            judgedThrottled += throttled ? 1 : 0;
            if (judgedAnswers >= JUDGED_ON) {
                judge(now);
            }
        }
        if (judging && now - epochStart >= SETTLE + LONGEST_JUDGEMENT) {
            if (judgedAnswers >= JUDGED_AT_LEAST) {
                judge(now);
            } else {
                judging = false;
            }
        }
        if (throttled && ticket.epoch() == epoch && congested()) {
            decrease(now, judging ? epochAccepted * (double) SECOND / Math.max(SHORTEST_EPOCH, now - epochStart) : recent.accepted(now));
        }
    }

    /**
     * Enough 429s in this epoch: five at least, more than the background explains by three standard deviations, of
     * fifty answers or more (or a majority of twenty); while a decrease is judged, only a majority of them.
     */
    private boolean congested() {
        if (judging) {
            return epochAnswers >= SEVERE_AFTER && epochThrottled >= Math.max(SEVERE, background + SEVERE_ABOVE_BACKGROUND) * epochAnswers;
        }
        double expected = background * epochAnswers;
        boolean tooMany = epochThrottled >= Math.max(EVIDENCE, 1 + expected + STANDARD_DEVIATIONS * Math.sqrt(expected));
        return tooMany && (epochAnswers >= MEASURED_ON || epochAnswers >= SEVERE_AFTER && epochThrottled >= SEVERE * epochAnswers);
    }

    /**
     * @param accepted the rate Refiner accepted at: in the last second, or, for a decrease far too small, since
     *                 then (a second's count still holds the rate before)
     */
    private void decrease(long now, double accepted) {
        if (accepted == 0) {
            return; // nothing gets through: no rate to go below; Retry-After pauses everybody instead
        }
        rateBeforeDecrease = judging ? rateBeforeDecrease : rate;
        shareBeforeDecrease = (double) epochThrottled / epochAnswers;
        judging = true;
        judgedAnswers = 0;
        judgedThrottled = 0;
        // At most half at once (of the limit, or of what is sent when there is none): a short epoch's count can read
        // far too low, and too low is slow to grow out of.
        double sending = Math.min(effectiveRate(), recent.answered(now));
        double floor = Double.isFinite(effectiveRate()) ? effectiveRate() / 2 : SLOWEST;
        rate = Math.max(Math.max(SLOWEST, floor), DECREASE * Math.min(effectiveRate(), accepted));
        decreasedBy = sending > 0 ? Math.min(1, rate / sending) : 1;
        if (log.isDebugEnabled()) {
            log.debug("Rate decreased to {}/s: {} of {} answers were 429, {}/s accepted, {}/s sent; {}/s before", Math.round(rate),
                    epochThrottled, epochAnswers, Math.round(accepted), Math.round(sending), rateBeforeDecrease);
        }
        tokens = Math.min(tokens, 1); // at once: a burst saved up at the old rate would hide the new one
        startEpoch(now);
    }

    /**
     * Was the decrease about rate? Below a limiter's rate its 429s become rare, and in between they fall as the rate
     * does; 429s that are not about rate stay as frequent as they were. Whichever the share of 429s since is closer
     * to decides: a decrease that made no difference is undone, and that share is taken as background. One after
     * which 429s became far more frequent, and frequent (30% or more), left the rate too high (the accepted rate it
     * came from still held the destination's burst): decrease again.
     */
    private void judge(long now) {
        judging = false;
        double share = (double) judgedThrottled / judgedAnswers;
        double before = shareBeforeDecrease;
        double ifAboutRate = Math.max(0, 1 - (1 - before) / decreasedBy);
        if (log.isDebugEnabled()) {
            log.debug("Judging the decrease to {}/s: {} of {} answers 429 since, {}% before it, {}% if it was about rate",
                    Math.round(rate), judgedThrottled, judgedAnswers, Math.round(before * 100), Math.round(ifAboutRate * 100));
        }
        if (share <= LEAST_BACKGROUND) {
            background = Math.min(background, share);
        } else if (share > before / HELPED && share >= FAR_TOO_HIGH) {
            epochAnswers = judgedAnswers;
            epochThrottled = judgedThrottled;
            judging = true; // one experiment still: undoing it goes back to the rate before the first decrease
            decrease(now, recent.accepted(now));
        } else if (Math.abs(share - before) < Math.abs(share - ifAboutRate)) {
            background = Math.max(background, share);
            rate = rateBeforeDecrease;
            startEpoch(epochStart);
        } else {
            background = Math.min(background, share);
        }
    }

    private void startEpoch(long now) {
        epoch++;
        epochStart = now;
        epochAnswers = 0;
        epochThrottled = 0;
        epochAccepted = 0;
        lastGrowth = Math.max(lastGrowth, now);
    }

    /**
     * Multiplicative growth, step by step, while the learned rate is what holds requests back; not while a decrease
     * is judged, whose effect a moving rate would blur. Steps after the last request held back (idle, or waiting for
     * answers) are not growth: after a quiet minute the rate is what it was, not a thousand times it.
     */
    private void grow(long now) {
        long steps = (now - lastGrowth) / STEP;
        if (steps <= 0) {
            return;
        }
        // A request held back waits for the next token, and asks again then: steps within that wait were held back.
        long heldBackUntil = lastHeldBack + Math.max(STEP, Double.isFinite(rate) ? (long) (SECOND / rate) : 0);
        long grown = heldBackByRate && !judging ? Math.max(0, Math.min(steps, (heldBackUntil - lastGrowth) / STEP)) : 0;
        lastGrowth += steps * STEP;
        for (long step = 0; step < grown && Double.isFinite(rate); step++) {
            rate *= 1 + GROWTH_PER_STEP;
            if (configuredRate > 0 && rate >= configuredRate) {
                rate = Double.POSITIVE_INFINITY; // the configured limit is the tighter one again
            }
        }
    }

    private static double burst(double limit) {
        return Double.isFinite(limit) ? Math.max(1, limit * BURST_SECONDS) : 1;
    }

    private double effectiveRate() {
        return configuredRate > 0 ? Math.min(configuredRate, rate) : rate;
    }

    /** How long until a slot may free up without an answer: the pause, or the next token. */
    Optional<Duration> waitWhenBlocked(long now) {
        if (now < pausedUntil) {
            return Optional.of(Duration.ofNanos(pausedUntil - now));
        }
        double limit = effectiveRate();
        if (inFlight < maxInFlight && Double.isFinite(limit) && tokens < 1) {
            return Optional.of(Duration.ofNanos((long) ((1 - tokens) / limit * SECOND) + 1));
        }
        return Optional.empty();
    }

    int inFlight() {
        return inFlight;
    }

    /** The rate requests may go out at now, per second; infinite when nothing limits it. */
    double rate() {
        return effectiveRate();
    }

    /** The share of 429 answers taken as background, not as a sign of too high a rate. */
    double background() {
        return background;
    }

    /** Whether everybody waits for a {@code Retry-After} now. */
    boolean paused(long now) {
        return now < pausedUntil;
    }

    /** The answers of the last second, and those accepted (2xx) of them, counted in tenths of a second. */
    private static final class RecentAnswers {
        // Tenths of a second: a second's count moves on smoothly, and costs two arrays of ten.
        private static final int BUCKETS = 10;
        private static final long BUCKET = SECOND / BUCKETS;
        // Right after the first answers a second's count would read as a rate far too low, and too low a rate is
        // slow to grow out of, while one too high shows at once in the next 429s.
        private static final long SHORTEST_WINDOW = SECOND / 100;
        private final int[] answered = new int[BUCKETS];
        private final int[] accepted = new int[BUCKETS];
        private long current = Long.MIN_VALUE;
        private long first;

        void record(long now, boolean wasAccepted) {
            advance(now);
            int bucket = (int) Math.floorMod(current, BUCKETS);
            answered[bucket]++;
            accepted[bucket] += wasAccepted ? 1 : 0;
        }

        /** Answers per second. */
        double answered(long now) {
            return perSecond(answered, now);
        }

        /** Accepted answers per second. */
        double accepted(long now) {
            return perSecond(accepted, now);
        }

        private double perSecond(int[] counts, long now) {
            advance(now);
            int sum = 0;
            for (int count : counts) {
                sum += count;
            }
            long window = Math.max(SHORTEST_WINDOW, Math.min(SECOND, now - first));
            return sum * (double) SECOND / window;
        }

        private void advance(long now) {
            long bucket = Math.floorDiv(now, BUCKET);
            if (current == Long.MIN_VALUE) {
                current = bucket;
                first = now;
                return;
            }
            for (long b = current + 1; b <= bucket && b <= current + BUCKETS; b++) {
                int index = (int) Math.floorMod(b, BUCKETS);
                answered[index] = 0;
                accepted[index] = 0;
            }
            current = Math.max(current, bucket);
        }
    }
}

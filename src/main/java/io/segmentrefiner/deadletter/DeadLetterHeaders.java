package io.segmentrefiner.deadletter;

/** The names of the headers a dead letter carries, all UTF-8 text (read and written by {@link TextHeaders}). They are a contract: replay and scripts read them. */
public final class DeadLetterHeaders {

    public static final String PREFIX = "refiner.dlq.";
    public static final String STAGE = PREFIX + "stage";
    public static final String REASON = PREFIX + "reason";
    public static final String MESSAGE = PREFIX + "message";
    public static final String ORIGIN_TOPIC = PREFIX + "origin.topic";
    public static final String ORIGIN_PARTITION = PREFIX + "origin.partition";
    public static final String ORIGIN_OFFSET = PREFIX + "origin.offset";
    /** Delivery only: the last HTTP status (0 when no response came). */
    public static final String HTTP_STATUS = PREFIX + "http.status";
    /** Delivery only: how many attempts were made. */
    public static final String ATTEMPTS = PREFIX + "attempts";
    /** Delivery only: when the first and the last attempt were made, ISO-8601. */
    public static final String FIRST_ATTEMPT = PREFIX + "first.attempt";
    public static final String LAST_ATTEMPT = PREFIX + "last.attempt";
    /** Delivery only: the start of the last response body. */
    public static final String RESPONSE_BODY = PREFIX + "response.body";
    /**
     * Delivery only: how many later requests of the same contact waited behind this one and went out after it was
     * dead-lettered, and their offsets on the requests topic (the first 100, comma-separated). Replaying this dead
     * letter would put it after them.
     */
    public static final String HELD_BEHIND = PREFIX + "held.behind";
    public static final String HELD_BEHIND_OFFSETS = PREFIX + "held.behind.offsets";

    private DeadLetterHeaders() {
    }
}

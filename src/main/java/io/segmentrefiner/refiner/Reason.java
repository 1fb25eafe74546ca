package io.segmentrefiner.refiner;

/** Why an event was not turned into a Refiner request. The names are a contract: dashboards and scripts use them. */
public enum Reason {
    /** The record value is not a JSON object. */
    INVALID_JSON(Disposition.REJECTED),
    /** The event's {@code integrations} turn Refiner off. */
    DISABLED(Disposition.SKIPPED),
    /** The event has no {@code type}. */
    MISSING_TYPE(Disposition.REJECTED),
    /** A call type Refiner has no use for: screen, alias, or an unknown one. */
    UNSUPPORTED_TYPE(Disposition.SKIPPED),
    /** Neither a user id nor an email: Refiner has no anonymous contacts. */
    MISSING_IDENTITY(Disposition.REJECTED),
    /** A track call without a non-blank {@code event}. */
    MISSING_EVENT(Disposition.REJECTED),
    /** A group call without a {@code groupId}. */
    MISSING_GROUP_ID(Disposition.REJECTED);

    /** Skipped events are counted; rejected ones are dead-lettered. */
    public enum Disposition { SKIPPED, REJECTED }

    private final Disposition disposition;

    Reason(Disposition disposition) {
        this.disposition = disposition;
    }

    public Disposition disposition() {
        return disposition;
    }
}

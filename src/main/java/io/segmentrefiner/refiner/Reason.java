package io.segmentrefiner.refiner;

/**
 * Why an event was not turned into a Refiner request: skipped (counted) or rejected (dead-lettered), as
 * {@link RefinerFilter} and the mappers decide. The names are a contract: dashboards and scripts use them.
 */
public enum Reason {
    /** The record value is not a JSON object. */
    INVALID_JSON,
    /** The event's {@code integrations} turn Refiner off. */
    DISABLED,
    /** The event has no {@code type}. */
    MISSING_TYPE,
    /** A call type Refiner has no use for: screen, alias, or an unknown one. */
    UNSUPPORTED_TYPE,
    /** Neither a user id nor an email: Refiner has no anonymous contacts. */
    MISSING_IDENTITY,
    /** A track call without a non-blank {@code event}. */
    MISSING_EVENT,
    /** A group call without a {@code groupId}. */
    MISSING_GROUP_ID
}

package io.segmentrefiner.refiner;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Why an event or a request did not become a delivered Refiner request: the one vocabulary of the project's
 * outcomes, each with the stage that decides it and whether it is skipped (counted) or dead-lettered. The names are
 * a contract: the {@code refiner.dlq.reason} header, metrics, dashboards, {@code replay --reason} and scripts use
 * them.
 */
public enum Reason {
    /** The record value is not a JSON object (or not UTF-8). */
    INVALID_JSON(Stage.TRANSLATE, true),
    /** The event's {@code integrations} turn Refiner off. */
    DISABLED(Stage.TRANSLATE, false),
    /** The event has no {@code type}. */
    MISSING_TYPE(Stage.TRANSLATE, true),
    /** A call type Refiner has no use for: screen, alias, or an unknown one. */
    UNSUPPORTED_TYPE(Stage.TRANSLATE, false),
    /** Neither a user id nor an email: Refiner has no anonymous contacts. */
    MISSING_IDENTITY(Stage.TRANSLATE, true),
    /** A track call without a non-blank {@code event}. */
    MISSING_EVENT(Stage.TRANSLATE, true),
    /** A group call without a {@code groupId}. */
    MISSING_GROUP_ID(Stage.TRANSLATE, true),
    /** The event's {@code messageId} was translated already, within {@code dedup.window}: Segment's SDKs retry, so copies are normal. */
    DUPLICATE(Stage.TRANSLATE, false),
    /** The event's user was deleted (a {@code delete} call) and is on the suppression list until an {@code unsuppress}. */
    SUPPRESSED(Stage.TRANSLATE, false),
    /** An exception thrown by a processor (a bug): Kafka Streams' processing exception handler dead-letters the input. */
    PROCESSING_ERROR(Stage.TRANSLATE, true),
    /** A request record could not be serialized, for a reason other than an unreachable registry. */
    SERIALIZATION_ERROR(Stage.TRANSLATE, true),
    /** The broker refused a record as too large. */
    RECORD_TOO_LARGE(Stage.TRANSLATE, true),
    /** A request delivery cannot read: its value, or its headers of the retry topic. */
    UNREADABLE_REQUEST(Stage.DELIVER, true),
    /** No success within {@code delivery.retry.max.duration} of the first attempt. */
    RETRIES_EXHAUSTED(Stage.DELIVER, true),
    /** Refiner refused the request with a 4xx that a retry does not change. */
    HTTP_4XX(Stage.DELIVER, true),
    /** The request waited for a retry while {@code delivery.hold.max} later requests of its contact waited behind it. */
    HOLD_LIMIT(Stage.DELIVER, true);

    /** The stage that decides a reason, as the {@code refiner.dlq.stage} header names it. */
    public enum Stage {
        TRANSLATE, DELIVER;

        /** {@code translate} or {@code deliver}. */
        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Stage> parse(String code) {
            return Arrays.stream(values()).filter(stage -> stage.code().equalsIgnoreCase(code.trim())).findFirst();
        }
    }

    private final Stage stage;
    private final boolean deadLettered;

    Reason(Stage stage, boolean deadLettered) {
        this.stage = stage;
        this.deadLettered = deadLettered;
    }

    public Stage stage() {
        return stage;
    }

    /** Whether an event or request with this reason goes to the dead-letter topic; otherwise it is skipped and counted. */
    public boolean deadLettered() {
        return deadLettered;
    }

    /** A reason code as a person types it: any case, spaces around it. */
    public static Optional<Reason> parse(String code) {
        return Arrays.stream(values()).filter(reason -> reason.name().equalsIgnoreCase(code.trim())).findFirst();
    }

    /** The reasons a dead letter can carry, in the order above. */
    public static List<Reason> ofDeadLetters() {
        return Arrays.stream(values()).filter(Reason::deadLettered).toList();
    }
}

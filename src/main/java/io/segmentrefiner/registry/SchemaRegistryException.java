package io.segmentrefiner.registry;

/**
 * The registry refused a call or could not be reached. The message names the registry by its address without
 * credentials; {@link #retriable()} tells a refusal of the schema (such as 409, incompatible) from an outage.
 */
public class SchemaRegistryException extends RuntimeException {

    private final int status;
    private final boolean retriable;

    public SchemaRegistryException(String message, int status, boolean retriable, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.retriable = retriable;
    }

    /** The HTTP status the registry answered, or 0 when it did not answer. */
    public int status() {
        return status;
    }

    /** Whether trying again later may succeed: the registry was unreachable or answered 5xx. */
    public boolean retriable() {
        return retriable;
    }
}

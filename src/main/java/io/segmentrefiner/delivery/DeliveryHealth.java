package io.segmentrefiner.delivery;

/** Whether delivery is doing its job. */
public enum DeliveryHealth {
    STARTING,
    RUNNING,
    /** Refiner refused the API key (401/403): delivery is paused and probes with backoff. */
    PAUSED_UNAUTHORIZED,
    /** Records wait for the schema registry to know their schema: those partitions are held, the others go on. */
    WAITING_FOR_REGISTRY,
    /** Its offsets could not be committed for a while (the broker is away): sending waits until they can. */
    WAITING_FOR_COMMITS,
    /** Stopped on an error (a dead letter or retry that could not be written): it must be restarted. */
    FAILED,
    STOPPED;

    public boolean healthy() {
        return this == RUNNING || this == STARTING;
    }
}

package io.segmentrefiner.delivery;

import java.util.concurrent.ThreadFactory;

/**
 * The threads delivery starts beside its poll thread: named, so that a thread dump says what each one is for, and
 * daemons, so that none of them keeps the JVM alive should a close be skipped.
 */
final class DaemonThreads {

    private DaemonThreads() {
    }

    /** Threads of this name; the executors that use it have one thread each. */
    static ThreadFactory named(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}

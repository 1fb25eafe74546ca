package io.segmentrefiner.app;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;

/**
 * What a long-running command has started, stopped once in the reverse order of their start: on SIGTERM or Ctrl-C
 * (a JVM shutdown hook), or by {@link #close()}. The one place where "run until signalled" lives: {@code run} and
 * {@code ingest} add their parts and wait; a part that fails to stop does not keep the others running.
 */
public final class RunningParts implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunningParts.class);

    private final Deque<AutoCloseable> parts = new ArrayDeque<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread hook;
    private boolean closed;

    /** @param name the name of the thread that stops the parts on a signal */
    public RunningParts(String name) {
        this.hook = new Thread(this::close, name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A part just started: it stops before every part added before it. */
    public synchronized <T extends AutoCloseable> T add(T part) {
        if (closed) {
            closeQuietly(part);
            throw new IllegalStateException("stopping: " + part + " was started too late");
        }
        parts.push(part);
        return part;
    }

    /** Until the parts are stopped (a signal, or {@link #close()} from another thread). */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            while (!parts.isEmpty()) {
                closeQuietly(parts.pop());
            }
        }
        stopped.countDown();
        if (Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs, or has run: it finds nothing left to stop
            }
        }
    }

    private static void closeQuietly(AutoCloseable part) {
        try {
            part.close();
        } catch (Exception e) {
            log.warn("Stopping {} failed: {}", part, e.toString()); // the other parts stop anyway
        }
    }
}

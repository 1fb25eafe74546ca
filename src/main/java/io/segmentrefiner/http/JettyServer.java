package io.segmentrefiner.http;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An HTTP server on one address, for the servers this project runs: status and metrics, Segment's Tracking API, the
 * demo's Refiner stand-in. Its threads are daemons named after what it serves, so that a thread dump says whose
 * they are and none of them keeps a stopped process alive.
 */
public final class JettyServer implements AutoCloseable {

    // Two threads stay ready; the one acceptor and one selector of the connector are taken from the pool too.
    private static final int MIN_THREADS = 2;

    private final Server server;
    private final ServerConnector connector;

    private JettyServer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /**
     * @param threadName the name of its threads, such as {@code segment-refiner-http}
     * @param port       0 for any free port
     * @param maxThreads how many calls it handles at once, plus the connector's two threads
     */
    public static JettyServer start(String threadName, String host, int port, int maxThreads, Handler handler) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(maxThreads, MIN_THREADS);
        threads.setName(threadName);
        threads.setDaemon(true);
        Server server = new Server(threads);
        // One acceptor and one selector: the handlers do the work, and a selector serves thousands of connections.
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
        return new JettyServer(server, connector);
    }

    /** The port it listens on: the one asked for, or the one chosen for port 0. */
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}

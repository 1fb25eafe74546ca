package io.segmentrefiner.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time of a JVM's threads by what they do, as the JVM itself accounts them ({@code jcmd <pid> Thread.print}
 * prints each thread's {@code cpu=}): the JIT compiler's threads and the garbage collector's apart from the work, so
 * that a measurement taken while the JIT still compiles is not read as the cost of the work.
 */
final class ThreadCpu {

    private static final Pattern THREAD = Pattern.compile("^\"(?<name>[^\"]*)\".*? cpu=(?<cpu>[0-9.]+)ms .*?nid=(?<nid>0x[0-9a-f]+)");
    private static final String JDK_BIN = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();

    /** What a thread does, from its name; the order is the order printed. */
    enum Role {
        STREAM_THREAD("Kafka Streams' stream thread"),
        GLOBAL_THREAD("Kafka Streams' global thread"),
        PRODUCER_IO("producers' network threads"),
        HTTP_IO("HttpClient's I/O threads"),
        DELIVERY("delivery's threads"),
        JIT("the JIT compiler"),
        GC("the garbage collector"),
        BROKER_NETWORK("broker: network threads"),
        BROKER_REQUEST_HANDLERS("broker: request handlers"),
        OTHER("other threads");

        final String description;

        Role(String description) {
            this.description = description;
        }

        static Role of(String threadName) {
            if (threadName.startsWith("kafka-producer-network-thread")) { // named after the producer, as in "...-StreamThread-1-producer"
                return PRODUCER_IO;
            }
            if (threadName.contains("GlobalStreamThread")) {
                return GLOBAL_THREAD;
            }
            if (threadName.contains("StreamThread")) {
                return STREAM_THREAD;
            }
            if (threadName.startsWith("httpclient-")) {
                return HTTP_IO;
            }
            if (threadName.startsWith("refiner-delivery") || threadName.startsWith("delivery")) {
                return DELIVERY;
            }
            if (threadName.contains("CompilerThread")) {
                return JIT;
            }
            if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ")) {
                return GC;
            }
            if (threadName.startsWith("data-plane-kafka-network-thread") || threadName.contains("-network-thread-")) {
                return BROKER_NETWORK;
            }
            if (threadName.startsWith("data-plane-kafka-request-handler") || threadName.contains("request-handler")) {
                return BROKER_REQUEST_HANDLERS;
            }
            return OTHER;
        }
    }

    /** CPU milliseconds per thread (by native id) at one moment, with the threads' roles. */
    record Snapshot(Map<String, Double> millisByThread, Map<String, Role> roles) {

        /** CPU seconds by role since an earlier snapshot; a thread started since counts from zero, one ended is left out. */
        Map<Role, Double> secondsSince(Snapshot earlier) {
            Map<Role, Double> byRole = new LinkedHashMap<>();
            for (Role role : Role.values()) {
                byRole.put(role, 0.0);
            }
            millisByThread.forEach((thread, millis) -> byRole.merge(roles.get(thread),
                    (millis - earlier.millisByThread.getOrDefault(thread, 0.0)) / 1e3, Double::sum));
            return byRole;
        }
    }

    private ThreadCpu() {
    }

    static Snapshot of(long pid) {
        Process jcmd;
        try {
            jcmd = new ProcessBuilder(JDK_BIN, Long.toString(pid), "Thread.print").redirectErrorStream(true).start();
            String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (jcmd.waitFor() != 0) {
                throw new IllegalStateException("jcmd " + pid + " Thread.print failed: " + output);
            }
            return parse(output.lines().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Snapshot parse(List<String> lines) {
        Map<String, Double> millis = new HashMap<>();
        Map<String, Role> roles = new HashMap<>();
        for (String line : lines) {
            Matcher thread = THREAD.matcher(line);
            if (thread.find()) {
                millis.put(thread.group("nid"), Double.parseDouble(thread.group("cpu")));
                roles.put(thread.group("nid"), Role.of(thread.group("name")));
            }
        }
        return new Snapshot(millis, roles);
    }
}

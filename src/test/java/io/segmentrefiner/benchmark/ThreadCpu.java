package io.segmentrefiner.benchmark;

import io.segmentrefiner.harness.ChildProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time of a JVM: in all, as the kernel accounts the process, and per thread, as the JVM itself accounts them
 * ({@code jcmd <pid> Thread.print} prints each thread's {@code cpu=}), by what the threads do: the JIT compiler's
 * threads and the garbage collector's apart from the work, so that a measurement taken while the JIT still compiles
 * is not read as the cost of the work.
 */
final class ThreadCpu {

    private static final Pattern THREAD = Pattern.compile("^\"(?<name>[^\"]*)\".*? cpu=(?<cpu>[0-9.]+)ms .*?nid=(?<nid>0x[0-9a-f]+)");

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
            if (threadName.startsWith("refiner-delivery")) {
                return DELIVERY;
            }
            if (threadName.contains("CompilerThread")) {
                return JIT;
            }
            if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ")) {
                return GC;
            }
            if (threadName.contains("kafka-network-thread")) {
                return BROKER_NETWORK;
            }
            if (threadName.contains("kafka-request-handler")) {
                return BROKER_REQUEST_HANDLERS;
            }
            return OTHER;
        }
    }

    /** One thread's CPU milliseconds at a moment. */
    record Thread(String name, Role role, double millis) {
    }

    /** The threads of a JVM at one moment, by native id. */
    record Snapshot(Map<String, Thread> threads) {

        /** CPU seconds by role since an earlier snapshot; a thread started since counts from zero, one ended is left out. */
        Map<Role, Double> secondsSince(Snapshot earlier) {
            Map<Role, Double> byRole = new LinkedHashMap<>();
            for (Role role : Role.values()) {
                byRole.put(role, 0.0);
            }
            threads.forEach((id, thread) -> {
                Thread then = earlier.threads.get(id);
                byRole.merge(thread.role, (thread.millis - (then == null ? 0 : then.millis)) / 1e3, Double::sum);
            });
            return byRole;
        }

        /** The CPU milliseconds of the thread of that name. */
        double millisOf(String name) {
            return threads.values().stream().filter(thread -> thread.name.equals(name)).mapToDouble(Thread::millis).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no thread " + name + " in " + threads.values()));
        }
    }

    private ThreadCpu() {
    }

    /** The CPU seconds of the whole process so far, as the kernel accounts them. */
    static double processSeconds(long pid) {
        return ProcessHandle.of(pid).flatMap(process -> process.info().totalCpuDuration()).orElseThrow().toNanos() / 1e9;
    }

    static Snapshot of(long pid) {
        try {
            Process jcmd = new ProcessBuilder(ChildProcess.currentJava().resolveSibling("jcmd").toString(), Long.toString(pid), "Thread.print")
                    .redirectErrorStream(true).start();
            String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (jcmd.waitFor() != 0) {
                throw new IllegalStateException("jcmd " + pid + " Thread.print failed: " + output);
            }
            Map<String, Thread> threads = new HashMap<>();
            output.lines().map(THREAD::matcher).filter(Matcher::find).forEach(thread -> threads.put(thread.group("nid"),
                    new Thread(thread.group("name"), Role.of(thread.group("name")), Double.parseDouble(thread.group("cpu")))));
            return new Snapshot(threads);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            java.lang.Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

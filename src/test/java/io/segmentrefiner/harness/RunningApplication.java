package io.segmentrefiner.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar target/segment-refiner.jar run --config FILE}, as a user starts it: a child JVM with its settings
 * in a properties file, its output in a log, reached over its HTTP port for {@code /ready} and {@code /metrics}.
 * It can be stopped (SIGTERM), killed (SIGKILL) and started again with the same settings and folder.
 */
public final class RunningApplication implements AutoCloseable {

    private static final Path JAR = Path.of("target", "segment-refiner.jar");
    private static final Pattern HTTP_PORT = Pattern.compile("Health, readiness and metrics on http://[^:]+:(\\d+)/health");

    /** An answer of {@code /ready} or {@code /health}. */
    public record Answer(int status, String body) {
    }

    private final String name;
    private final Path workDir;
    private final Path config;
    private final List<String> arguments;
    private final Map<String, String> environment;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ChildProcess process;
    private int starts;

    private RunningApplication(String name, Path workDir, Path config, List<String> arguments, Map<String, String> environment) {
        this.name = name;
        this.workDir = workDir;
        this.config = config;
        this.arguments = arguments;
        this.environment = environment;
    }

    /**
     * @param settings    the properties file's content
     * @param environment variables of the process, such as {@code EMBEDDED_BROKER_PORT}
     * @param arguments   after {@code run --config FILE}, such as {@code --role deliver}
     */
    public static RunningApplication start(String name, Path workDir, Map<String, String> settings, Map<String, String> environment,
                                           String... arguments) {
        Path config = workDir.resolve(name + ".properties");
        Properties properties = new Properties();
        properties.putAll(settings);
        try {
            Files.createDirectories(workDir);
            try (Writer writer = Files.newBufferedWriter(config)) {
                properties.store(writer, null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RunningApplication application = new RunningApplication(name, workDir, config, List.of(arguments), environment);
        application.startProcess();
        return application;
    }

    private void startProcess() {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException("No " + JAR + ": run the integration tests through Maven (mvn verify), which packages it first");
        }
        if (olderThanClasses(JAR)) {
            throw new IllegalStateException(JAR + " is older than target/classes: it would run code other than this build's; "
                    + "package it again (mvn -DskipTests package)");
        }
        List<String> command = new ArrayList<>(List.of(ChildProcess.currentJava().toString(), "-Xmx768m", "-jar",
                JAR.toAbsolutePath().toString(), "run", "--config", config.toString()));
        command.addAll(arguments);
        starts++;
        process = ChildProcess.start(name, command, environment, workDir, workDir.resolve(name + "-" + starts + ".log"));
    }

    private static boolean olderThanClasses(Path jar) {
        try (var classes = Files.walk(Path.of("target", "classes"))) {
            long built = Files.getLastModifiedTime(jar).toMillis();
            return classes.filter(Files::isRegularFile).anyMatch(file -> {
                try {
                    return Files.getLastModifiedTime(file).toMillis() > built;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts it again, with the same settings and folder, after a stop or a kill. */
    public void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        startProcess();
    }

    /** Waits until its log (of this start) holds the text; fails at once when the process has ended. */
    public void awaitLog(String text, Duration timeout) {
        Await.until(name + " to log '" + text + "' (" + process.log() + ")", timeout, () -> {
            process.assertAlive();
            return process.logText().contains(text);
        });
    }

    /** Waits until it says it runs what its settings ask for. */
    public void awaitStarted(Duration timeout) {
        awaitLog("Health, readiness and metrics on", timeout);
    }

    public int httpPort() {
        Matcher matcher = HTTP_PORT.matcher(process.logText());
        if (!matcher.find()) {
            throw new IllegalStateException(name + " has not said where it serves /ready yet");
        }
        return Integer.parseInt(matcher.group(1));
    }

    public Answer get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body());
    }

    public void assertAlive() {
        process.assertAlive();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no chance to clean up. */
    public void kill() {
        process.kill();
    }

    /** SIGTERM, and its exit status. */
    public int stop(Duration timeout) {
        return process.stop(timeout);
    }

    public String logText() {
        return process.logText();
    }

    /** Writes its threads' stacks (jcmd Thread.print) into its work directory, for a test that found it stuck. */
    public Path dumpThreads() throws IOException, InterruptedException {
        Path dump = workDir.resolve(name + "-threads-" + System.currentTimeMillis() + ".txt");
        Path jcmd = ChildProcess.currentJava().resolveSibling("jcmd");
        new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print").redirectErrorStream(true)
                .redirectOutput(dump.toFile()).start().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        return dump;
    }

    public Path workDir() {
        return workDir;
    }

    /** The process id of this start. */
    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return process.toString();
    }
}

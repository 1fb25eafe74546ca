package io.segmentrefiner.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's {@code chromium}, headless, as a person's browser: it loads a page, runs its scripts for a while of
 * virtual time, and gives the DOM as they left it ({@code --dump-dom}) or a screenshot. Each run has a profile folder
 * of its own and is killed if it does not end in time.
 */
public final class HeadlessChromium {

    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");
    private static final Duration RUN_FOR = Duration.ofSeconds(90);

    private final Path binary;
    private final Path workDir;

    private HeadlessChromium(Path binary, Path workDir) {
        this.binary = binary;
        this.workDir = workDir;
    }

    /** The browser on the PATH, if one is installed. */
    public static Optional<HeadlessChromium> find(Path workDir) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return Stream.of(path.split(java.io.File.pathSeparator))
                .flatMap(dir -> NAMES.stream().map(name -> Path.of(dir, name)))
                .filter(Files::isExecutable).findFirst()
                .map(binary -> new HeadlessChromium(binary, workDir));
    }

    /** The page's DOM after its scripts ran for {@code scriptTime} of virtual time. */
    public String dumpDom(String url, Duration scriptTime) throws IOException, InterruptedException {
        return run(List.of("--virtual-time-budget=" + scriptTime.toMillis(), "--dump-dom", url), "dom");
    }

    /** A PNG of the page, {@code width} by {@code height} CSS pixels, after its scripts ran. */
    public void screenshot(String url, Duration scriptTime, int width, int height, Path png) throws IOException, InterruptedException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        run(List.of("--virtual-time-budget=" + scriptTime.toMillis(), "--hide-scrollbars", "--window-size=" + width + "," + height,
                "--screenshot=" + png.toAbsolutePath(), url), "screenshot");
        if (!Files.exists(png)) {
            throw new IllegalStateException("Chromium wrote no screenshot to " + png);
        }
    }

    private String run(List<String> arguments, String what) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(Files.createDirectories(workDir), "chromium-profile-");
        Path out = workDir.resolve("chromium-" + what + ".out");
        Path err = workDir.resolve("chromium-" + what + ".err");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!process.waitFor(RUN_FOR.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("Chromium did not end within " + RUN_FOR + "; its errors: " + err);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("Chromium exited with " + process.exitValue() + ": " + Files.readString(err));
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}

package io.segmentrefiner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segmentrefiner.app.StageSettings;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.refiner.EventTranslator;
import io.segmentrefiner.refiner.Outcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The dry run: Segment messages in, one JSON line per event out, with the mappers the topology uses and no
 * Kafka or registry.
 */
@Command(name = "translate", mixinStandardHelpOptions = true,
        description = "Translate Segment messages (one JSON document a line, from FILE or standard input) and print one JSON line per event: the Refiner request, or why there is none.")
final class TranslateCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "JSON-lines file; standard input when absent.")
    Path file;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        ObjectMapper json = new ObjectMapper();
        AppConfig settings = config.load();
        EventTranslator translator = new EventTranslator(json, StageSettings.mapping(settings), !settings.value(AppConfig.DEDUP_WINDOW).isZero());
        if (file != null && (!Files.isReadable(file) || Files.isDirectory(file))) {
            throw new ParameterException(spec.commandLine(), "Cannot read " + file);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (JsonLines lines = JsonLines.open(file)) {
            for (JsonLines.Line line = lines.next(); line != null; line = lines.next()) {
                if (line.isBlank()) {
                    continue;
                }
                for (Outcome outcome : translator.translate(line.bytes())) {
                    out.println(json.writeValueAsString(describe(json, outcome)));
                }
            }
        }
        out.flush();
        return 0;
    }

    static ObjectNode describe(ObjectMapper json, Outcome outcome) {
        ObjectNode line = json.createObjectNode();
        line.put("messageId", outcome.messageId().orElse(null));
        if (outcome instanceof Outcome.Translated translated) {
            line.put("outcome", "request");
            line.putObject("request")
                    .put("method", translated.request().method())
                    .put("path", translated.request().path())
                    .set("body", translated.request().body());
        } else if (outcome instanceof Outcome.Unsuppressed unsuppressed) {
            line.put("outcome", "unsuppressed");
            unsuppressed.contact().id().ifPresent(id -> line.put("userId", id));
            unsuppressed.contact().email().ifPresent(email -> line.put("email", email));
        } else if (outcome instanceof Outcome.Skipped skipped) {
            line.put("outcome", "skipped").put("reason", skipped.reason().name());
        } else if (outcome instanceof Outcome.Rejected rejected) {
            line.put("outcome", "rejected").put("reason", rejected.reason().name()).put("message", rejected.message());
        } else {
            throw new IllegalStateException("an accepted event is mapped before it is printed");
        }
        return line;
    }
}

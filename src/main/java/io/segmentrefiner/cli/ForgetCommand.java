package io.segmentrefiner.cli;

import io.segmentrefiner.app.SuppressionListClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * A right-to-erasure request: sends the user's {@code delete} call, which translation turns into Refiner's
 * {@code DELETE /v1/contact} and an entry on the suppression list; with {@code --suppress-only}, only the entry.
 */
@Command(name = "forget", mixinStandardHelpOptions = true,
        description = "Delete a user's Refiner contact and suppress their future events: sends {\"type\":\"delete\",\"userId\":ID} to the input topic.")
public final class ForgetCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--user-id", required = true, paramLabel = "ID", description = "The user's Segment userId.")
    String userId;

    @Option(names = "--email", paramLabel = "E", description = "Their email: events that carry only the email are suppressed too.")
    String email;

    @Option(names = "--suppress-only", description = "Suppress future events, but do not delete the Refiner contact: writes the entry to suppressions.topic.")
    boolean suppressOnly;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (userId.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--user-id must not be blank");
        }
        SuppressionListClient list = new SuppressionListClient(config.load().forTools(), Clock.systemUTC());
        Optional<String> address = Optional.ofNullable(email).filter(text -> !text.isBlank());
        if (suppressOnly) {
            spec.commandLine().getOut().println("suppressed " + String.join(", ", list.suppress(userId, address))
                    + " (no delete sent to Refiner)");
        } else {
            spec.commandLine().getOut().println("sent " + list.forget(userId, address));
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}

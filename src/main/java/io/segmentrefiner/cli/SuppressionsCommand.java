package io.segmentrefiner.cli;

import io.segmentrefiner.app.SuppressionListClient;
import io.segmentrefiner.refiner.SuppressionEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;

/** The suppression list, read from {@code suppressions.topic}. */
@Command(name = "suppressions", mixinStandardHelpOptions = true, description = "The suppression list of deleted users.",
        subcommands = SuppressionsCommand.ListCommand.class)
public final class SuppressionsCommand {

    /** One line a user: the entry as stored (JSON), then the count on standard error. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Print the users on the suppression list, one JSON object a line (userId, email, since, messageId of the delete).")
    static final class ListCommand implements java.util.concurrent.Callable<Integer> {

        @Mixin
        ConfigOption config;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            List<SuppressionEntry> users = new SuppressionListClient(config.load().forTools(), Clock.systemUTC()).list();
            PrintWriter out = spec.commandLine().getOut();
            users.forEach(user -> out.println(user.toJson()));
            out.flush();
            spec.commandLine().getErr().println(users.size() + (users.size() == 1 ? " user" : " users") + " suppressed");
            spec.commandLine().getErr().flush();
            return 0;
        }
    }
}

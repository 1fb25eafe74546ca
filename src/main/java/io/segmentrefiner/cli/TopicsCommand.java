package io.segmentrefiner.cli;

import io.segmentrefiner.app.KafkaClientSettings;
import io.segmentrefiner.app.TranslationStage;
import io.segmentrefiner.config.AppConfig;
import io.segmentrefiner.topology.TopicCheck;
import io.segmentrefiner.topology.TopicCreator;
import io.segmentrefiner.topology.TopicDeclaration;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code topics apply}: the topics declared in topology/, made sure of on the cluster. */
@Command(name = "topics", mixinStandardHelpOptions = true, description = "Manage the topics the pipeline needs.",
        subcommands = TopicsCommand.Apply.class)
final class TopicsCommand {

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = "Create the declared topics that are missing and check the others (partitions, replication, "
                    + "retention, cleanup policy). Existing topics are never changed: drift is reported, and the exit status is 1.")
    static final class Apply implements Callable<Integer> {

        @Mixin
        ConfigOption config;

        @Option(names = "--dry-run", description = "Report what would be created, and the drift, without changing anything.")
        boolean dryRun;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            AppConfig settings = config.load().forTools();
            PrintWriter out = spec.commandLine().getOut();
            List<TopicDeclaration> declared = TranslationStage.topics(settings);
            boolean drifted = false;
            try (Admin admin = Admin.create(KafkaClientSettings.admin(settings))) {
                List<TopicCheck.Status> statuses = TopicCheck.check(admin, declared, settings.value(AppConfig.TOPICS_REPLICATION_FACTOR));
                List<TopicDeclaration> missing = statuses.stream().filter(s -> s.state() == TopicCheck.State.MISSING)
                        .map(TopicCheck.Status::topic).toList();
                if (!dryRun && !missing.isEmpty()) {
                    TopicCreator.createMissing(admin, missing, settings.value(AppConfig.TOPICS_REPLICATION_FACTOR));
                }
                for (TopicCheck.Status status : statuses) {
                    TopicDeclaration topic = status.topic();
                    switch (status.state()) {
                        case MISSING -> out.printf("%-9s %s (%d partitions, %s)%n", dryRun ? "would create" : "created",
                                topic.name(), topic.partitions(), new TreeMap<>(topic.configs()));
                        case AS_DECLARED -> out.printf("%-9s %s%n", "ok", topic.name());
                        case DRIFTED -> {
                            drifted = true;
                            out.printf("%-9s %s: %s%n", "drift", topic.name(), String.join("; ", status.differences()));
                        }
                    }
                }
            }
            out.flush();
            return drifted ? 1 : 0;
        }
    }
}

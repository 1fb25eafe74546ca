package io.segmentrefiner.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker/monitoring/: the Prometheus alerting rules and their unit tests, the Prometheus configuration, the Grafana
 * dashboard and its provisioning, and the compose file's optional "monitoring" profile that runs them. promtool
 * checks the rules, runs their tests and checks the configuration where it is installed; the rest is checked always:
 * the dashboard and the rules name only metrics the application serves, and the alerts are the five documented.
 */
class MonitoringFilesTest {

    private static final Path DOCKER = Path.of("docker");
    private static final Path MONITORING = DOCKER.resolve("monitoring");
    private static final Path ALERTS = MONITORING.resolve("alerts.yml");
    private static final Path ALERTS_TEST = MONITORING.resolve("alerts-test.yml");
    private static final Path PROMETHEUS = MONITORING.resolve("prometheus.yml");
    private static final Path GRAFANA = MONITORING.resolve("grafana");
    private static final Path DASHBOARD = GRAFANA.resolve("dashboards").resolve("segment-refiner.json");

    /**
     * The metrics the application serves on GET /metrics, as Prometheus names them: the contract that the dashboard
     * and the alerts are held to. It mirrors the metrics table of docs/operations.md; a histogram is named without its
     * {@code _bucket}, {@code _count} and {@code _sum} series.
     */
    private static final Set<String> METRICS = Set.of(
            "refiner_translation_events_total",
            "refiner_delivery_delivered_total",
            "refiner_delivery_retried_total",
            "refiner_delivery_throttled_total",
            "refiner_delivery_dead_lettered_total",
            "refiner_delivery_paused",
            "refiner_delivery_rate",
            "refiner_delivery_in_flight",
            "refiner_delivery_held",
            "refiner_delivery_contacts_waiting",
            "refiner_delivery_queued",
            "refiner_delivery_registry_waiting",
            "refiner_delivery_latency_seconds",
            "refiner_consumer_lag_records",
            "refiner_dead_letters_waiting",
            "segment_refiner_ready");

    /** The values of their labels (docs/operations.md, docs/mapping.md, docs/delivery-guarantees.md). */
    private static final Map<String, Set<String>> LABEL_VALUES = Map.of(
            "outcome", Set.of("request", "unsuppressed", "skipped", "dead_lettered"),
            "stage", Set.of("translate", "deliver", "retry"),
            "reason", Set.of("NONE", "DISABLED", "UNSUPPORTED_TYPE", "DUPLICATE", "SUPPRESSED",
                    "INVALID_JSON", "MISSING_TYPE", "MISSING_IDENTITY", "MISSING_EVENT", "MISSING_GROUP_ID", "PROCESSING_ERROR",
                    "SERIALIZATION_ERROR", "RECORD_TOO_LARGE",
                    "UNREADABLE_REQUEST", "RETRIES_EXHAUSTED", "HTTP_4XX", "HOLD_LIMIT"));

    /** The alerts docs/operations.md describes ("Dashboard and alerts"). */
    private static final Set<String> ALERT_NAMES = Set.of("RefinerDeliveryStopped", "RefinerDeadLettersGrowing",
            "RefinerDeliveryPausedForAuth", "RefinerConsumerLagGrowing", "RefinerRetriesExhausted");

    private static final Pattern METRIC = Pattern.compile("\\b(?:segment_)?refiner_[a-z_]+");
    private static final Pattern LABEL_MATCHER = Pattern.compile("\\b(outcome|stage|reason)\\s*(=|!=)\\s*\"([^\"]*)\"");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    // ------------------------------------------------------------------------------------------------ promtool

    @Test
    void promtoolChecksTheRulesAndTheirUnitTestsPass() throws Exception {
        Path promtool = promtool();
        assertSucceeds(promtool, "check", "rules", ALERTS.toString());
        assertSucceeds(promtool, "test", "rules", ALERTS_TEST.toString());
    }

    @Test
    void promtoolChecksThePrometheusConfigurationWithTheRulesItLoads() throws Exception {
        String output = assertSucceeds(promtool(), "check", "config", PROMETHEUS.toString());
        assertThat(output).as("rule_files is relative to prometheus.yml, as it is in the container").contains("1 rule files found");
    }

    @Test
    void everyQueryOfTheDashboardIsPromQlThatPromtoolParses() throws Exception {
        Path promtool = promtool();
        // Each query as a recording rule, Grafana's interval variables as durations: check rules parses them all.
        ObjectNode rules = YAML.createObjectNode();
        ObjectNode group = rules.putArray("groups").addObject().put("name", "dashboard");
        ArrayNode list = group.putArray("rules");
        List<JsonNode> targets = targets(dashboard());
        for (int i = 0; i < targets.size(); i++) {
            String expr = targets.get(i).path("expr").asText().replaceAll("\\$__(rate_interval|interval|range)", "1m");
            list.addObject().put("record", "dashboard_query_" + i).put("expr", expr);
        }
        Path file = temp.resolve("dashboard-queries.yml");
        YAML.writeValue(file.toFile(), rules);
        String output = assertSucceeds(promtool, "check", "rules", file.toString());
        assertThat(output).contains(targets.size() + " rules found");
    }

    private static Path promtool() {
        Optional<Path> found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, "promtool"))
                .filter(Files::isExecutable)
                .findFirst();
        Assumptions.assumeTrue(found.isPresent(),
                "promtool is not on the PATH: the alerting rules, their unit tests and prometheus.yml are not checked"
                        + " (apt-get install prometheus, or Prometheus's release archive, provides it)");
        return found.get();
    }

    /** Runs promtool in the project's directory; its exit status must be 0. Returns what it printed. */
    private String assertSucceeds(Path promtool, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(arguments));
        Path output = Files.createTempFile(temp, "promtool", ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 2 minutes:\n" + Files.readString(output));
        }
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("%s exits 0; it printed:%n%s", String.join(" ", command), printed).isZero();
        return printed;
    }

    // ------------------------------------------------------------------------------------------------ dashboard

    @Test
    void theDashboardHasAUidATitleItsRowsAndAQueryOnEveryPanelFromTheDataSourceVariable() throws IOException {
        JsonNode dashboard = dashboard();
        assertThat(dashboard.path("uid").asText()).isEqualTo("segment-refiner");
        assertThat(dashboard.path("title").asText()).isEqualTo("segment-refiner");

        JsonNode variable = Stream.of(dashboard.at("/templating/list")).flatMap(MonitoringFilesTest::elements)
                .filter(v -> v.path("type").asText().equals("datasource")).findFirst().orElseThrow(
                        () -> new AssertionError("the dashboard has no data source variable"));
        assertThat(variable.path("query").asText()).isEqualTo("prometheus");
        String datasource = "${" + variable.path("name").asText() + "}";

        List<JsonNode> panels = panels(dashboard);
        assertThat(panels.stream().filter(MonitoringFilesTest::isRow).map(row -> row.path("title").asText()))
                .contains("translation", "delivery", "backlog");
        assertThat(panels.stream().map(panel -> panel.path("id").asInt())).as("panel ids").doesNotHaveDuplicates();
        for (JsonNode panel : panels.stream().filter(panel -> !isRow(panel)).toList()) {
            String title = panel.path("title").asText();
            assertThat(title).as("a panel's title").isNotBlank();
            assertThat(panel.path("targets").size()).as("queries of panel '%s'", title).isPositive();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("expr").asText()).as("a query of panel '%s'", title).isNotBlank();
                assertThat(target.at("/datasource/uid").asText()).as("the data source of panel '%s'", title).isEqualTo(datasource);
            }
        }
    }

    @Test
    void theDashboardAggregatesOverInstancesAndShowsLatencyPercentilesFromTheHistogram() throws IOException {
        List<String> queries = targets(dashboard()).stream().map(target -> target.path("expr").asText()).toList();
        assertThat(queries).as("every query sums, takes the max or counts over instances, or is a quantile of summed buckets")
                .allMatch(query -> query.matches("(?s)^(sum|max|count|histogram_quantile)\\b.*"));
        assertThat(queries).anyMatch(query -> query.startsWith("histogram_quantile(0.5,") && query.contains("refiner_delivery_latency_seconds_bucket"))
                .anyMatch(query -> query.startsWith("histogram_quantile(0.95,") && query.contains("sum by (le)"));
    }

    // ------------------------------------------------------------------------------------------------ metrics

    @Test
    void theDashboardTheAlertsAndTheirTestsNameOnlyTheApplicationsMetricsAndLabelValues() throws IOException {
        for (Path file : List.of(DASHBOARD, ALERTS, ALERTS_TEST)) {
            // The dashboard's strings as Grafana reads them: its queries' quotes are escaped in the file.
            String text = file.equals(DASHBOARD) ? String.join("\n", strings(dashboard(), new ArrayList<>())) : Files.readString(file);
            assertThat(metricNames(text)).as("metrics named in %s that the application does not serve", file)
                    .isNotEmpty().isSubsetOf(METRICS);
            Matcher matcher = LABEL_MATCHER.matcher(text);
            while (matcher.find()) {
                assertThat(LABEL_VALUES.get(matcher.group(1))).as("%s: %s", file, matcher.group()).contains(matcher.group(3));
            }
        }
        assertThat(metricNames(Files.readString(DASHBOARD))).as("the dashboard shows every metric of the application").isEqualTo(METRICS);
    }

    private static List<String> strings(JsonNode node, List<String> into) {
        if (node.isTextual()) {
            into.add(node.asText());
        }
        node.forEach(child -> strings(child, into));
        return into;
    }

    private static Set<String> metricNames(String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = METRIC.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group().replaceAll("_(bucket|count|sum)$", ""));
        }
        return names;
    }

    // ------------------------------------------------------------------------------------------------ alerts

    @Test
    void theAlertsAreTheFiveDocumentedWithASeverityAndAnnotationsThatSayWhatToDo() throws IOException {
        List<JsonNode> rules = Stream.of(YAML.readTree(ALERTS.toFile()).path("groups")).flatMap(MonitoringFilesTest::elements)
                .flatMap(group -> elements(group.path("rules"))).toList();
        assertThat(rules).as("alerting rules only: no recording rule").allMatch(rule -> rule.hasNonNull("alert"));
        assertThat(rules.stream().map(rule -> rule.path("alert").asText())).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(ALERT_NAMES);
        for (JsonNode rule : rules) {
            String name = rule.path("alert").asText();
            assertThat(rule.at("/labels/severity").asText()).as("severity of %s", name).isIn("warning", "critical");
            assertThat(rule.at("/annotations/summary").asText()).as("summary of %s", name).isNotBlank();
            String description = rule.at("/annotations/description").asText();
            assertThat(description).as("description of %s", name).contains("docs/operations.md");
            Matcher doc = Pattern.compile("docs/[a-z-]+\\.md").matcher(description);
            while (doc.find()) {
                assertThat(Path.of(doc.group())).as("a document that %s names", name).exists();
            }
            if (name.contains("DeadLetters") || name.contains("RetriesExhausted")) {
                assertThat(description).as("description of %s", name).contains("segment-refiner replay").contains("--dry-run");
            }
        }
        assertThat(severity(rules, "RefinerDeadLettersGrowing")).isEqualTo("warning");
        assertThat(severity(rules, "RefinerDeliveryPausedForAuth")).isEqualTo("critical");
    }

    private static String severity(List<JsonNode> rules, String alert) {
        return rules.stream().filter(rule -> rule.path("alert").asText().equals(alert)).findFirst().orElseThrow()
                .at("/labels/severity").asText();
    }

    @Test
    void theUnitTestsMakeEveryAlertFireAndShowACaseWhereItMustNot() throws IOException {
        JsonNode tests = YAML.readTree(ALERTS_TEST.toFile());
        assertThat(Stream.of(tests.path("rule_files")).flatMap(MonitoringFilesTest::elements).map(JsonNode::asText)).containsExactly("alerts.yml");
        List<JsonNode> cases = Stream.of(tests.path("tests")).flatMap(MonitoringFilesTest::elements)
                .flatMap(test -> elements(test.path("alert_rule_test"))).toList();
        for (String alert : ALERT_NAMES) {
            List<JsonNode> ofAlert = cases.stream().filter(c -> c.path("alertname").asText().equals(alert)).toList();
            assertThat(ofAlert).as("a case where %s fires", alert).anyMatch(c -> c.path("exp_alerts").size() > 0);
            assertThat(ofAlert).as("a case where %s must not fire", alert).anyMatch(c -> c.path("exp_alerts").isEmpty());
        }
    }

    // ------------------------------------------------------------------------------------------------ compose

    @Test
    void prometheusAndGrafanaAreInTheMonitoringProfileWithImagesVariablesReplaceAndPortsOnLoopbackOnly() throws IOException {
        JsonNode services = compose().path("services");
        for (String service : List.of("kafka", "registry", "segment-refiner")) {
            assertThat(services.path(service).has("profiles")).as("%s starts with a plain up", service).isFalse();
        }
        Map<String, String> images = Map.of("prometheus", "${PROMETHEUS_IMAGE:-prom/prometheus:v3.",
                "grafana", "${GRAFANA_IMAGE:-grafana/grafana:12.");
        Map<String, String> ports = Map.of("prometheus", "127.0.0.1:${PROMETHEUS_HOST_PORT:-9090}:9090",
                "grafana", "127.0.0.1:${GRAFANA_HOST_PORT:-3000}:3000");
        for (String service : List.of("prometheus", "grafana")) {
            JsonNode definition = services.path(service);
            assertThat(Stream.of(definition.path("profiles")).flatMap(MonitoringFilesTest::elements).map(JsonNode::asText))
                    .as("profiles of %s", service).containsExactly("monitoring");
            assertThat(definition.path("image").asText()).as("image of %s", service).startsWith(images.get(service));
            List<String> published = Stream.of(definition.path("ports")).flatMap(MonitoringFilesTest::elements).map(JsonNode::asText).toList();
            assertThat(published).as("ports of %s", service).containsExactly(ports.get(service)).allMatch(port -> port.startsWith("127.0.0.1:"));
        }
        assertThat(services.at("/grafana/environment/GF_AUTH_ANONYMOUS_ENABLED").asText()).isEqualTo("true");
        assertThat(services.at("/grafana/environment/GF_AUTH_ANONYMOUS_ORG_ROLE").asText()).as("anonymous visitors only view").isEqualTo("Viewer");
    }

    @Test
    void theMonitoringServicesMountTheFilesOfDockerMonitoringReadOnlyWherePrometheusAndGrafanaLookForThem() throws IOException {
        JsonNode services = compose().path("services");
        Map<String, Path> prometheusMounts = mounts(services.path("prometheus"));
        Map<String, Path> grafanaMounts = mounts(services.path("grafana"));

        assertThat(prometheusMounts.get("/etc/prometheus/prometheus.yml")).isEqualTo(PROMETHEUS);
        JsonNode config = YAML.readTree(PROMETHEUS.toFile());
        for (JsonNode ruleFile : config.path("rule_files")) {
            assertThat(prometheusMounts.get("/etc/prometheus/" + ruleFile.asText())).as("rule file %s beside prometheus.yml", ruleFile)
                    .isEqualTo(MONITORING.resolve(ruleFile.asText()));
        }
        assertThat(config.at("/global/scrape_interval").asText()).isEqualTo("15s");
        JsonNode scrape = config.path("scrape_configs").get(0);
        String appPort = services.at("/segment-refiner/environment/HTTP_PORT").asText();
        assertThat(scrape.path("metrics_path").asText()).isEqualTo("/metrics");
        assertThat(scrape.at("/static_configs/0/targets/0").asText()).as("the application's service and HTTP_PORT")
                .isEqualTo("segment-refiner:" + appPort);

        for (String provisioning : List.of("datasources", "dashboards")) {
            assertThat(grafanaMounts.get("/etc/grafana/provisioning/" + provisioning)).as("Grafana's provisioning of %s", provisioning)
                    .isEqualTo(GRAFANA.resolve("provisioning").resolve(provisioning));
        }
        JsonNode datasource = YAML.readTree(GRAFANA.resolve("provisioning/datasources/prometheus.yml").toFile()).at("/datasources/0");
        assertThat(datasource.path("type").asText()).isEqualTo("prometheus");
        assertThat(datasource.path("url").asText()).as("the prometheus service's port in the container")
                .isEqualTo("http://prometheus:" + services.at("/prometheus/ports/0").asText().replaceAll(".*:", ""));
        String dashboards = YAML.readTree(GRAFANA.resolve("provisioning/dashboards/segment-refiner.yml").toFile())
                .at("/providers/0/options/path").asText();
        assertThat(grafanaMounts.get(dashboards)).as("the dashboards the provider reads").isEqualTo(DASHBOARD.getParent());
        String home = services.at("/grafana/environment/GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH").asText();
        assertThat(home).isEqualTo(dashboards + "/" + DASHBOARD.getFileName());
    }

    /** The volumes of a service, container path to the file or directory of the project it mounts; each read-only. */
    private static Map<String, Path> mounts(JsonNode service) {
        Map<String, Path> mounts = new HashMap<>();
        for (JsonNode volume : service.path("volumes")) {
            String[] parts = volume.asText().split(":");
            assertThat(parts).as("volume %s: host path, container path, ro", volume).hasSize(3);
            assertThat(parts[2]).as("volume %s", volume).isEqualTo("ro");
            Path source = DOCKER.resolve(parts[0]).normalize();
            assertThat(source).as("what volume %s mounts", volume).exists().startsWith(MONITORING);
            mounts.put(parts[1], source);
        }
        return mounts;
    }

    // ------------------------------------------------------------------------------------------------ reading

    private static JsonNode compose() throws IOException {
        return YAML.readTree(DOCKER.resolve("compose.yaml").toFile());
    }

    private static JsonNode dashboard() throws IOException {
        return JSON.readTree(DASHBOARD.toFile());
    }

    private static boolean isRow(JsonNode panel) {
        return panel.path("type").asText().equals("row");
    }

    /** Every panel, rows and the panels of collapsed rows included. */
    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            panels.add(panel);
            elements(panel.path("panels")).forEach(panels::add);
        }
        return panels;
    }

    private static List<JsonNode> targets(JsonNode dashboard) {
        return panels(dashboard).stream().flatMap(panel -> elements(panel.path("targets"))).toList();
    }

    private static Stream<JsonNode> elements(JsonNode array) {
        List<JsonNode> elements = new ArrayList<>();
        array.forEach(elements::add);
        return elements.stream();
    }
}

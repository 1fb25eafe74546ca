package io.segmentrefiner.cli;

import io.segmentrefiner.harness.ChildProcess;
import io.segmentrefiner.harness.RealInfrastructure;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code java -jar target/segment-refiner.jar demo}, the README's first command, as a user runs it. */
class DemoIntegrationTest {

    @Test
    void theDemoAccountsForEveryEventAndExitsZero() {
        Path work = RealInfrastructure.workDir("demo");
        try (ChildProcess demo = ChildProcess.start("segment-refiner demo", List.of(ChildProcess.currentJava().toString(), "-Xmx768m",
                "-jar", Path.of("target", "segment-refiner.jar").toAbsolutePath().toString(), "demo"), Map.of(), work, work.resolve("demo.log"))) {

            int exit = demo.runToEnd(Duration.ofMinutes(3));

            String report = demo.logText();
            assertThat(exit).as(report).isZero();
            assertThat(report).containsPattern("Events in\\s+20")
                    .containsPattern("Requests delivered to Refiner\\s+11")
                    .containsPattern("POST /v1/identify-user\\s+3")
                    .containsPattern("POST /v1/track-event\\s+7")
                    .containsPattern("DELETE /v1/contact\\s+1")
                    .containsPattern("of them after a retry\\s+1")
                    .containsPattern("Skipped\\s+4")
                    .containsPattern("DUPLICATE\\s+1")
                    .containsPattern("SUPPRESSED\\s+1")
                    .containsPattern("UNSUPPORTED_TYPE\\s+1")
                    .containsPattern("DISABLED\\s+1")
                    .containsPattern("Dead-lettered \\(stage, reason\\)\\s+5")
                    .containsPattern("translate INVALID_JSON\\s+1")
                    .containsPattern("translate MISSING_IDENTITY\\s+1")
                    .containsPattern("translate MISSING_EVENT\\s+1")
                    .containsPattern("translate MISSING_GROUP_ID\\s+1")
                    .containsPattern("deliver HTTP_4XX\\s+1")
                    .contains("POST /v1/identify-user  (Idempotency-Key: demo-engage-bo)")
                    .contains("DELETE /v1/contact  (Idempotency-Key: demo-delete-eve)")
                    .contains("{\"id\":\"user-bo\",\"email\":\"bo@example.com\",\"order_completed_last_30days\":true,\"churn_risk_score\":0.82}");
        }
    }
}

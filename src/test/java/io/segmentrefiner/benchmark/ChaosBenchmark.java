package io.segmentrefiner.benchmark;

import io.segmentrefiner.harness.ChaosScenario;
import io.segmentrefiner.harness.RealInfrastructure;

/**
 * The chaos of {@code ChaosIntegrationTest}, larger: 100,000 events of 5,000 contacts by default, Refiner admitting
 * 1,000 requests a second. Prints the time, what was lost, dead-lettered, duplicated and out of order.
 *
 * <p>Run: {@code mvn -B -q -Pbenchmark-chaos test-compile exec:exec} ({@code -Dbenchmark.events=N},
 * {@code -Dbenchmark.rate=R}).
 */
public final class ChaosBenchmark {

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        double rate = args.length > 1 ? Double.parseDouble(args[1]) : 1_000;
        System.setProperty("chaos.samples", args.length > 2 ? args[2] : "0");
        ChaosScenario.Result result = ChaosScenario.run(events, Math.max(200, events / 20), rate, RealInfrastructure.workDir("benchmark-chaos"),
                System.out);
        if (!result.lost().isEmpty() || result.deadLettered() > 0 || !result.outOfOrder().isEmpty()) {
            System.out.println("FAILED: " + result.lost().size() + " lost, " + result.deadLettered() + " dead-lettered, "
                    + result.outOfOrder().size() + " contacts out of order");
            System.exit(1);
        }
    }
}

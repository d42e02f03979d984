package dev.meta4j.runtime.suite;

import java.util.Map;

/**
 * What one run of a suite produced.
 *
 * @param run the run
 * @param status {@code finished}, or {@code failed: <reason>}
 * @param testMetrics the test metrics of the best validation checkpoint (empty if failed)
 * @param seconds the wall time of the run (0 for a run skipped because it had finished before)
 */
public record RunOutcome(SuitePlan.Run run, String status, Map<String, Double> testMetrics, double seconds) {

    /** @return whether the run finished */
    public boolean finished() {
        return "finished".equals(status);
    }
}

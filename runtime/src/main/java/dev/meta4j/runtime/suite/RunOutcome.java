package dev.meta4j.runtime.suite;

import java.util.List;
import java.util.Map;

/**
 * What one run of a suite produced.
 *
 * @param run the run
 * @param status {@code finished}, or {@code failed: <reason>}
 * @param testMetrics the test metrics of the best validation checkpoint, or of the last parameters
 *     where the run selects those (empty if failed)
 * @param seconds the wall time of the run (0 for a run skipped because it had finished before)
 * @param headline each task's headline metric, from the run's {@code summary.json} (empty for a
 *     failed run, or a summary written before summaries named them)
 * @param cost what the run cost, from its {@code summary.json}
 */
public record RunOutcome(SuitePlan.Run run, String status, Map<String, Double> testMetrics, double seconds,
        List<SuiteTable.Column> headline, Cost cost) {

    /**
     * What a run cost. Machine- and load-dependent, so it stays out of the results table, which
     * depends only on the configs, seeds and thread counts.
     *
     * @param trainSeconds the time spent in training steps, over every process that worked on the run
     * @param stepsPerSecond training steps per second of that time
     * @param peakRssMb the highest resident memory of the processes that trained it, from the start of
     *     training, in MB ({@code NaN} where the system does not say)
     */
    public record Cost(double trainSeconds, double stepsPerSecond, double peakRssMb) {
        /** Nothing known. */
        public static final Cost UNKNOWN = new Cost(Double.NaN, Double.NaN, Double.NaN);
    }

    /** Copies the list. */
    public RunOutcome {
        headline = List.copyOf(headline);
    }

    /**
     * An outcome whose cost is unknown.
     *
     * @param run the run
     * @param status the status
     * @param testMetrics the test metrics
     * @param seconds the wall time
     * @param headline each task's headline metric
     */
    public RunOutcome(SuitePlan.Run run, String status, Map<String, Double> testMetrics, double seconds,
            List<SuiteTable.Column> headline) {
        this(run, status, testMetrics, seconds, headline, Cost.UNKNOWN);
    }

    /**
     * An outcome without headline metrics (a failed run).
     *
     * @param run the run
     * @param status the status
     * @param testMetrics the test metrics
     * @param seconds the wall time
     */
    public RunOutcome(SuitePlan.Run run, String status, Map<String, Double> testMetrics, double seconds) {
        this(run, status, testMetrics, seconds, List.of());
    }

    /** @return whether the run finished */
    public boolean finished() {
        return "finished".equals(status);
    }
}

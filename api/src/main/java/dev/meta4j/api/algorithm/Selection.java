package dev.meta4j.api.algorithm;

/**
 * The metric that ranks checkpoints.
 *
 * @param metric a key of the validation {@link Metrics}
 * @param higherIsBetter the direction
 */
public record Selection(String metric, boolean higherIsBetter) {

    /**
     * The score oriented so that lower is better.
     *
     * @param value the metric's value
     * @return {@code value} or {@code -value}
     */
    public double score(double value) {
        return higherIsBetter ? -value : value;
    }
}

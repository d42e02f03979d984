package dev.meta4j.support.stats;

import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metrics;

/**
 * The mean of per-episode values and the half-width of its 95 % confidence interval, {@code 1.96
 * s / sqrt(n)} with the sample standard deviation {@code s}: the normal approximation that the
 * few-shot literature reports ("accuracy ± 95 % CI over 600 episodes"; Finn et al. 2017, Snell et
 * al. 2017, learn2learn). For fewer than two values the half-width is 0.
 *
 * @param mean the mean
 * @param halfWidth the half-width of the interval
 * @param count the number of values
 */
public record MeanCi95(double mean, double halfWidth, int count) {

    /** The normal quantile of a two-sided 95 % interval, as the papers use it. */
    public static final double Z95 = 1.96;

    /**
     * @param values one value per episode
     * @return their mean and interval
     * @throws IllegalArgumentException for no values
     */
    public static MeanCi95 of(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("a mean of no episodes");
        }
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= values.length;
        double var = 0;
        for (double v : values) {
            var += (v - mean) * (v - mean);
        }
        double sd = values.length > 1 ? Math.sqrt(var / (values.length - 1)) : 0;
        return new MeanCi95(mean, Z95 * sd / Math.sqrt(values.length), values.length);
    }

    /**
     * An accumulator of per-episode values, one at a time (Welford's update), for evaluations that
     * should hold two numbers however many episodes they draw. It agrees with {@link #of} to
     * rounding, not bit for bit.
     */
    public static final class Running {
        private int n;
        private double mean;
        private double squares;

        /**
         * @param value one episode's value
         * @return this accumulator
         */
        public Running add(double value) {
            n++;
            double delta = value - mean;
            mean += delta / n;
            squares += delta * (value - mean);
            return this;
        }

        /**
         * @param values several episodes' values
         * @return this accumulator
         */
        public Running addAll(double[] values) {
            for (double v : values) {
                add(v);
            }
            return this;
        }

        /**
         * @return the mean and interval of the values so far
         * @throws IllegalArgumentException before the first value
         */
        public MeanCi95 result() {
            if (n == 0) {
                throw new IllegalArgumentException("a mean of no episodes");
            }
            double halfWidth = n > 1 ? Z95 * Math.sqrt(squares / (n - 1) / n) : 0;
            return new MeanCi95(mean, halfWidth, n);
        }
    }

    /**
     * Adds {@code name} (the mean, with its direction) and {@code name-ci95} (the half-width) to
     * a metrics builder, the form every episodic evaluation reports.
     *
     * @param out the builder
     * @param name the metric's name
     * @param direction whether higher is better
     * @return the builder
     */
    public Metrics.Builder putInto(Metrics.Builder out, String name, Direction direction) {
        out.put(name, mean, direction);
        return out.put(name + "-ci95", halfWidth);
    }
}

package dev.meta4j.api.data;

/**
 * Angular errors in degrees over a whole split in bounded memory: the exact mean, exact
 * fractions below fixed thresholds, and the median from a fixed histogram of {@value #BINS} bins
 * of {@value #BIN_WIDTH}° over [0°, 180°] (144 KB, whatever the split's size: NYUv2's test split
 * has up to 72 million valid pixels).
 *
 * <p>The median is numpy's (the mean of the two middle values for an even count), each middle
 * value taken as the centre of its bin, so it is within {@code BIN_WIDTH / 2} = 0.005° of the
 * exact median (plus the last bit of a value that rounds into the neighbouring bin). The references (the FAMO and Nash-MTL {@code normal_error}) take {@code
 * np.median} of each batch and average the batch medians, which is not the split's median.
 */
public final class AngleErrors {

    /** The histogram's bin width in degrees. */
    public static final double BIN_WIDTH = 0.01;
    /** The number of bins over [0°, 180°]. */
    public static final int BINS = 18_000;

    private static final double BINS_PER_DEGREE = 100;

    private final double[] thresholds;
    private final long[] below;
    private final long[] histogram = new long[BINS];
    private long count;
    private double sum;

    /**
     * An empty accumulator.
     *
     * @param thresholds the angles in degrees whose fractions {@link #fractionBelow} reports
     */
    public AngleErrors(double... thresholds) {
        this.thresholds = thresholds.clone();
        this.below = new long[thresholds.length];
    }

    /**
     * Adds angles.
     *
     * @param degrees angles in [0°, 180°]
     * @throws IllegalArgumentException for an angle outside or NaN
     */
    public void add(double[] degrees) {
        for (double a : degrees) {
            if (!(a >= 0 && a <= 180)) {
                throw new IllegalArgumentException("an angular error must lie in [0, 180] degrees, not " + a);
            }
            // a * 100 (an exact power of ten) bins k/100 better than a / 0.01 (0.03 / 0.01 < 3).
            histogram[Math.min(BINS - 1, (int) (a * BINS_PER_DEGREE))]++;
            for (int t = 0; t < thresholds.length; t++) {
                if (a < thresholds[t]) {
                    below[t]++;
                }
            }
            sum += a;
        }
        count += degrees.length;
    }

    /**
     * The number of angles added.
     *
     * @return the count
     */
    public long count() {
        return count;
    }

    /**
     * The mean angle.
     *
     * @return the mean in degrees, or NaN if nothing was added
     */
    public double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    /**
     * The median angle, within {@code BIN_WIDTH / 2} of the exact one.
     *
     * @return the median in degrees, or NaN if nothing was added
     */
    public double median() {
        if (count == 0) {
            return Double.NaN;
        }
        return (centreOfRank((count - 1) / 2) + centreOfRank(count / 2)) / 2;
    }

    /** The centre of the bin holding the value of 0-based rank {@code rank}. */
    private double centreOfRank(long rank) {
        long seen = 0;
        for (int b = 0; b < BINS; b++) {
            seen += histogram[b];
            if (seen > rank) {
                return (b + 0.5) * BIN_WIDTH;
            }
        }
        throw new IllegalStateException("rank " + rank + " of " + count);
    }

    /**
     * The fraction of angles strictly below a threshold given to the constructor (exact).
     *
     * @param threshold one of the constructor's thresholds
     * @return the fraction in [0, 1], or NaN if nothing was added
     * @throws IllegalArgumentException for another threshold
     */
    public double fractionBelow(double threshold) {
        for (int t = 0; t < thresholds.length; t++) {
            if (thresholds[t] == threshold) {
                return count == 0 ? Double.NaN : (double) below[t] / count;
            }
        }
        throw new IllegalArgumentException(threshold + "° is not one of the thresholds " + java.util.Arrays.toString(thresholds));
    }
}

package dev.meta4j.weighting;

/** The softmax of a few numbers, in doubles, without overflow. */
final class StableSoftmax {

    private StableSoftmax() {}

    /**
     * {@code exp(x_i) / sum_j exp(x_j)}, computed as {@code exp(x_i - max x)} so that large
     * entries do not overflow. Entries equal to {@code +inf} share the whole mass equally (the
     * limit of the formula); other non-finite inputs are rejected.
     *
     * @param x the logits
     * @return the probabilities, summing to 1
     * @throws IllegalArgumentException if an entry is NaN or {@code -inf} everywhere
     */
    static double[] of(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            if (Double.isNaN(v)) {
                throw new IllegalArgumentException("softmax of NaN");
            }
            max = Math.max(max, v);
        }
        double[] p = new double[x.length];
        if (max == Double.POSITIVE_INFINITY) {
            int n = 0;
            for (double v : x) {
                n += v == Double.POSITIVE_INFINITY ? 1 : 0;
            }
            for (int i = 0; i < x.length; i++) {
                p[i] = x[i] == Double.POSITIVE_INFINITY ? 1.0 / n : 0;
            }
            return p;
        }
        if (max == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("softmax of only -inf");
        }
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            p[i] = StrictMath.exp(x[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < x.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}

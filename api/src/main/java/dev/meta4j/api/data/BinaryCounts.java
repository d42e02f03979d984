package dev.meta4j.api.data;

/**
 * True and false positives and negatives of a binary decision over a whole split, and the F1
 * score and accuracy read from them (never means of per-batch values).
 */
public final class BinaryCounts {

    private long truePositives;
    private long falsePositives;
    private long falseNegatives;
    private long trueNegatives;

    /**
     * Adds one decision.
     *
     * @param predicted the predicted class
     * @param actual the true class
     */
    public void add(boolean predicted, boolean actual) {
        if (predicted) {
            if (actual) {
                truePositives++;
            } else {
                falsePositives++;
            }
        } else if (actual) {
            falseNegatives++;
        } else {
            trueNegatives++;
        }
    }

    /**
     * {@code 2 TP / (2 TP + FP + FN)}, the harmonic mean of precision and recall; 0 when there
     * is no positive among the predictions or the labels. The FAMO CelebA code adds 1e-8 to
     * each denominator ({@code precision + recall + 1e-8}), which moves its F1 by less than
     * 1e-7 but gives 0 in the same case.
     *
     * @return the F1 score in [0, 1]
     */
    public double f1() {
        long denominator = 2 * truePositives + falsePositives + falseNegatives;
        return denominator == 0 ? 0 : 2.0 * truePositives / denominator;
    }

    /**
     * The fraction of decisions that were right.
     *
     * @return the accuracy in [0, 1], or NaN if nothing was added
     */
    public double accuracy() {
        long total = truePositives + falsePositives + falseNegatives + trueNegatives;
        return total == 0 ? Double.NaN : (double) (truePositives + trueNegatives) / total;
    }
}

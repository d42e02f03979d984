package dev.meta4j.api.data;

/**
 * The confusion matrix of a segmentation (or any classification) over a whole split, and the
 * metrics read from it: the mean intersection over union and the pixel accuracy. Counts are Java
 * {@code long}s, so a split of any size adds up exactly, and a metric is never a mean of
 * per-batch values.
 *
 * <p>A pixel counts when its label is in {@code [0, classes)}; an ignore label ({@code -1}) or
 * any other value outside leaves it out, as the FAMO and Nash-MTL repositories' {@code
 * ConfMatrix.update} ({@code (target >= 0) & (target < n)}). Their {@code get_metrics} takes
 * {@code mean(diag / (rowsum + colsum - diag))} over all classes, which is NaN as soon as one
 * class is absent from both the labels and the predictions of the split; {@link #meanIou()}
 * averages over the classes whose union is not empty, i.e. present in the split's labels or
 * predictions, and equals theirs whenever theirs is a number.
 */
public final class ConfusionMatrix {

    private final int classes;
    /** counts[label * classes + predicted]. */
    private final long[] counts;

    /**
     * An empty matrix.
     *
     * @param classes the number of classes, at least 1
     */
    public ConfusionMatrix(int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("a confusion matrix needs at least one class, not " + classes);
        }
        this.classes = classes;
        this.counts = new long[Math.multiplyExact(classes, classes)];
    }

    /**
     * Adds pixels.
     *
     * @param labels the true classes; values outside {@code [0, classes)} are ignored
     * @param predicted the predicted classes, one per label, each in {@code [0, classes)}
     * @throws IllegalArgumentException if the lengths differ or a counted pixel's prediction is
     *     not a class
     */
    public void add(long[] labels, long[] predicted) {
        if (labels.length != predicted.length) {
            throw new IllegalArgumentException(labels.length + " labels but " + predicted.length + " predictions");
        }
        for (int i = 0; i < labels.length; i++) {
            long label = labels[i];
            if (label < 0 || label >= classes) {
                continue;
            }
            long p = predicted[i];
            if (p < 0 || p >= classes) {
                throw new IllegalArgumentException("predicted class " + p + " is not one of the " + classes + " classes");
            }
            counts[(int) label * classes + (int) p]++;
        }
    }

    /**
     * How many counted pixels had this label and this prediction.
     *
     * @param label the true class
     * @param predicted the predicted class
     * @return the count
     */
    public long count(int label, int predicted) {
        return counts[label * classes + predicted];
    }

    /**
     * The mean over the classes present in the labels or predictions of {@code TP / (TP + FP +
     * FN)}.
     *
     * @return the mIoU in [0, 1], or NaN if no pixel was counted
     */
    public double meanIou() {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++) {
            long tp = count(c, c);
            long row = 0;
            long col = 0;
            for (int k = 0; k < classes; k++) {
                row += count(c, k);
                col += count(k, c);
            }
            long union = row + col - tp;
            if (union > 0) {
                sum += (double) tp / union;
                present++;
            }
        }
        return present == 0 ? Double.NaN : sum / present;
    }

    /**
     * The fraction of counted pixels predicted right.
     *
     * @return the accuracy in [0, 1], or NaN if no pixel was counted
     */
    public double pixelAccuracy() {
        long right = 0;
        long total = 0;
        for (int c = 0; c < classes; c++) {
            right += count(c, c);
            for (int k = 0; k < classes; k++) {
                total += count(c, k);
            }
        }
        return total == 0 ? Double.NaN : (double) right / total;
    }
}

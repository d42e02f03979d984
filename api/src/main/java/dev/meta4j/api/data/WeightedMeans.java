package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.algorithm.Metrics;

/**
 * The evaluator of a task whose split-wide metrics are means over the counted elements: each
 * batch adds its batch means weighted by how many elements it counted (the mask's sum, or every
 * target element), so uneven batches give the mean over the whole split.
 */
final class WeightedMeans implements TaskEvaluator {

    /** What one metric of a batch is. */
    @FunctionalInterface
    interface BatchMean {
        NDArray of(NDArray prediction, Targets targets);
    }

    private final Metric[] metrics;
    private final BatchMean[] means;
    private final double[] sums;
    private double counted;

    WeightedMeans(Metric[] metrics, BatchMean[] means) {
        this.metrics = metrics.clone();
        this.means = means.clone();
        this.sums = new double[metrics.length];
    }

    @Override
    public void add(NDArray prediction, Targets targets) {
        double n = targets.masked()
                ? targets.mask().toType(DataType.FLOAT64, false).sum().getDouble()
                : targets.values().size();
        // A mean that serves two names (regression's mse and loss) is computed once.
        java.util.Map<BatchMean, Double> done = new java.util.IdentityHashMap<>();
        for (int i = 0; i < metrics.length; i++) {
            BatchMean mean = means[i];
            sums[i] += n * done.computeIfAbsent(mean, m -> MeanOver.value(m.of(prediction, targets)));
        }
        counted += n;
    }

    @Override
    public Metrics result() {
        Metrics.Builder b = Metrics.builder();
        for (int i = 0; i < metrics.length; i++) {
            b.put(metrics[i].name(), sums[i] / counted, metrics[i].direction());
        }
        return b.build();
    }
}

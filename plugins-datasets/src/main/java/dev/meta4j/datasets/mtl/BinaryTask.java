package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.data.BinaryCounts;
import dev.meta4j.api.data.MaskedMean;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskEvaluator;

/**
 * A binary attribute: binary cross-entropy of one logit per example {@code [..., N, 1]} against
 * targets 0 or 1 of that shape, {@code softplus(z) - t z} (stable, and equal to the FAMO CelebA
 * code's {@code BCELoss} of {@code sigmoid(z)}).
 *
 * <p><b>Metrics</b> over the whole split, from the counts of {@link BinaryCounts}: {@code f1}
 * (the headline, higher is better; the FAMO CelebA code's {@code CelebaMetrics}, which sums true
 * and false positives and negatives over the split) and {@code accuracy} (higher is better) of
 * the decision {@code z > 0}, which is the FAMO code's {@code sigmoid(z) > 0.5}; and {@code loss}.
 */
public final class BinaryTask implements Task {

    /** The F1 score of the positive class. */
    public static final Metric F1 = new Metric("f1", Direction.HIGHER_IS_BETTER);
    /** The fraction of examples decided right. */
    public static final Metric ACCURACY = new Metric("accuracy", Direction.HIGHER_IS_BETTER);

    private final String name;

    /**
     * A binary task.
     *
     * @param name the task's name
     */
    public BinaryTask(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] outputShape() {
        return new long[] {1};
    }

    @Override
    public NDArray loss(NDArray prediction, Targets targets) {
        NDArray t = targets.values().toType(prediction.getDataType(), false);
        NDArray bce = Activation.softPlus(prediction).sub(prediction.mul(t));
        NDArray mask = DenseLosses.mask(targets, prediction.getDataType());
        return MaskedMean.of(bce, mask, 2);
    }

    @Override
    public Metric metric() {
        return F1;
    }

    @Override
    public NDArray score(NDArray prediction, Targets targets) {
        return DenseLosses.batchScore(this, prediction, targets);
    }

    @Override
    public TaskEvaluator newEvaluator() {
        return new Evaluator();
    }

    /** The decisions' counts and the loss over a split. */
    private final class Evaluator implements TaskEvaluator {
        private final BinaryCounts counts = new BinaryCounts();
        private final DenseLosses.SplitLoss loss = new DenseLosses.SplitLoss();

        @Override
        public void add(NDArray prediction, Targets targets) {
            double[] z = prediction.toType(DataType.FLOAT64, false).toDoubleArray();
            double[] t = targets.values().toType(DataType.FLOAT64, false).toDoubleArray();
            double[] m = DenseLosses.mask(targets, DataType.FLOAT64).toDoubleArray();
            int counted = 0;
            for (int i = 0; i < z.length; i++) {
                if (m[i] != 0) {
                    counts.add(z[i] > 0, t[i] > 0.5);
                    counted++;
                }
            }
            loss.add(BinaryTask.this.loss(prediction, targets), counted);
        }

        @Override
        public Metrics result() {
            return Metrics.builder()
                    .put(F1.name(), counts.f1(), F1.direction())
                    .put(ACCURACY.name(), counts.accuracy(), ACCURACY.direction())
                    .put(DenseLosses.LOSS.name(), loss.mean(), DenseLosses.LOSS.direction())
                    .build();
        }
    }

    @Override
    public String toString() {
        return name + ": binary attribute";
    }
}

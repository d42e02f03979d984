package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskEvaluator;

/**
 * A binary attribute: binary cross-entropy of one logit per example {@code [..., N, 1]} against
 * targets 0 or 1 of that shape, {@code softplus(z) - t z} (stable, and equal to the FAMO CelebA
 * code's {@code BCELoss} of {@code sigmoid(z)}). The evaluator reports the split-wide loss only;
 * F1 and accuracy are issue 10 item 3.
 */
public final class BinaryTask implements Task {

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
        return DenseLosses.maskedMean(bce, mask, 2);
    }

    @Override
    public Metric metric() {
        return DenseLosses.LOSS;
    }

    @Override
    public NDArray score(NDArray prediction, Targets targets) {
        return loss(prediction, targets);
    }

    @Override
    public TaskEvaluator newEvaluator() {
        return new DenseLosses.MeanLoss(this::loss);
    }

    @Override
    public String toString() {
        return name + ": binary attribute";
    }
}

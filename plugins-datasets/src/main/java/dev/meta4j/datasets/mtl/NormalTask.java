package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskEvaluator;

/**
 * Surface normals: {@code 1 - mean(<prediction, target>)} over the pixels whose mask is 1, for
 * predictions and targets {@code [..., N, 3, H, W]} and a mask {@code [..., N, 1, H, W]} (the
 * references' loss; the model normalises its output, as MTAN's does, so the dot product is the
 * cosine). The datasets set the mask where some component of the stored normal is not 0; the
 * references test {@code sum(normal, dim=1) != 0}, which also drops a valid normal whose
 * components sum to exactly 0 (such as {@code (1, -1, 0)/sqrt 2}, which rendered scenes can
 * have). The evaluator reports the split-wide loss only; the angle statistics are issue 10 item 3.
 */
public final class NormalTask implements Task {

    private final String name;
    private final int height;
    private final int width;

    /**
     * A surface-normal task.
     *
     * @param name the task's name
     * @param height the map's rows
     * @param width the map's columns
     */
    public NormalTask(String name, int height, int width) {
        this.name = name;
        this.height = height;
        this.width = width;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] outputShape() {
        return new long[] {3, height, width};
    }

    @Override
    public NDArray loss(NDArray prediction, Targets targets) {
        NDArray mask = targets.masked()
                ? targets.mask().toType(prediction.getDataType(), false)
                : targets.values().abs().sum(new int[] {-3}, true).gt(0).toType(prediction.getDataType(), false);
        return DenseLosses.maskedMean(prediction.mul(targets.values()), mask, 4).neg().add(1);
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
        return name + ": surface normals of " + height + "x" + width;
    }
}

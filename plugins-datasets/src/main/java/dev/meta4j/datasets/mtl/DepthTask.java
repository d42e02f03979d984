package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskEvaluator;

/**
 * Depth regression with invalid pixels: the L1 distance of predictions {@code [..., N, 1, H, W]}
 * to targets of that shape, averaged over the pixels whose mask is 1 (the datasets set it where
 * the stored depth is not 0, as the references' {@code sum(depth, dim=1) != 0}). The evaluator
 * reports the split-wide loss only; absolute and relative error are issue 10 item 3.
 */
public final class DepthTask implements Task {

    private final String name;
    private final int height;
    private final int width;

    /**
     * A depth task.
     *
     * @param name the task's name
     * @param height the map's rows
     * @param width the map's columns
     */
    public DepthTask(String name, int height, int width) {
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
        return new long[] {1, height, width};
    }

    @Override
    public NDArray loss(NDArray prediction, Targets targets) {
        NDArray mask = DenseLosses.mask(targets, prediction.getDataType());
        return DenseLosses.maskedMean(prediction.sub(targets.values()).abs(), mask, 4);
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
        return name + ": depth of " + height + "x" + width + " (0 = invalid)";
    }
}

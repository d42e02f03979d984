package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskEvaluator;

/**
 * Semantic segmentation with an ignore label: per-pixel softmax cross-entropy of scores {@code
 * [..., N, classes, H, W]} against class indices {@code [..., N, H, W]}, averaged over the pixels
 * whose mask is 1 (the references' {@code F.nll_loss(..., ignore_index=-1)}). Targets keep {@code
 * -1} at ignored pixels and carry the mask; without a mask, pixels of label {@code -1} are
 * ignored all the same.
 *
 * <p>The prediction is logits or log-probabilities: {@code log_softmax} of log-probabilities is
 * the same log-probabilities, so MTAN's SegNet (which ends in {@code log_softmax}) and a model
 * that ends in raw scores train alike. The evaluator reports the split-wide loss only; mIoU and
 * pixel accuracy over a confusion matrix of the whole split are issue 10 item 3.
 */
public final class SegmentationTask implements Task {

    private final String name;
    private final int classes;
    private final int height;
    private final int width;

    /**
     * A segmentation task.
     *
     * @param name the task's name
     * @param classes the number of classes, at least 2
     * @param height the map's rows
     * @param width the map's columns
     */
    public SegmentationTask(String name, int classes, int height, int width) {
        if (classes < 2 || height < 1 || width < 1) {
            throw new IllegalArgumentException("task '" + name + "': " + classes + " classes on " + height + "x" + width
                    + "; it needs at least 2 classes and one pixel");
        }
        this.name = name;
        this.classes = classes;
        this.height = height;
        this.width = width;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] outputShape() {
        return new long[] {classes, height, width};
    }

    /**
     * The number of classes.
     *
     * @return the count
     */
    public int classes() {
        return classes;
    }

    @Override
    public NDArray loss(NDArray prediction, Targets targets) {
        DataType type = prediction.getDataType();
        NDArray labels = targets.values().toType(DataType.INT64, false);
        NDArray mask = targets.masked() ? targets.mask().toType(type, false) : labels.gte(0).toType(type, false);
        // Ignored pixels (-1) pick class 0; the mask removes them from the sum.
        NDArray index = labels.mul(mask.toType(DataType.INT64, false)).expandDims(-3);
        NDArray picked = prediction.logSoftmax(-3).gather(index, -3).squeeze(-3);
        return DenseLosses.maskedMean(picked, mask, 3).neg();
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
        return name + ": " + classes + "-class segmentation of " + height + "x" + width + " (-1 = ignore)";
    }
}

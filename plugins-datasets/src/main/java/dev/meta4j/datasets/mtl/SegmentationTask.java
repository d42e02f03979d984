package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.data.ConfusionMatrix;
import dev.meta4j.api.data.MaskedMean;
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
 * that ends in raw scores train alike.
 *
 * <p><b>Metrics</b> over the whole split, from one {@link ConfusionMatrix} of the pixels that
 * count (the predicted class is the arg-max): {@code miou} (the headline, higher is better: the
 * mean over the classes present in the split's labels or predictions, where the FAMO and
 * Nash-MTL {@code ConfMatrix} give NaN if a class is absent from both), {@code pixel-accuracy}
 * (higher is better) and {@code loss}, the split-wide mean cross-entropy per counted pixel.
 */
public final class SegmentationTask implements Task {

    /** The mean intersection over union. */
    public static final Metric MIOU = new Metric("miou", Direction.HIGHER_IS_BETTER);
    /** The fraction of counted pixels classified right. */
    public static final Metric PIXEL_ACCURACY = new Metric("pixel-accuracy", Direction.HIGHER_IS_BETTER);

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
        NDArray mask = counted(targets, type);
        // Ignored pixels (-1) pick class 0; the mask removes them from the sum.
        NDArray index = labels.mul(mask.toType(DataType.INT64, false)).expandDims(-3);
        NDArray picked = prediction.logSoftmax(-3).gather(index, -3).squeeze(-3);
        return MaskedMean.of(picked, mask, 3).neg();
    }

    /** 1 at the pixels that count: the targets' mask, or every label that is not -1. */
    private static NDArray counted(Targets targets, DataType type) {
        return targets.masked() ? targets.mask().toType(type, false)
                : targets.values().toType(DataType.INT64, false).gte(0).toType(type, false);
    }

    @Override
    public Metric metric() {
        return MIOU;
    }

    @Override
    public NDArray score(NDArray prediction, Targets targets) {
        return DenseLosses.batchScore(this, prediction, targets);
    }

    @Override
    public TaskEvaluator newEvaluator() {
        return new Evaluator();
    }

    /** The confusion matrix and the loss over a split. */
    private final class Evaluator implements TaskEvaluator {
        private final ConfusionMatrix matrix = new ConfusionMatrix(classes);
        private final DenseLosses.SplitLoss loss = new DenseLosses.SplitLoss();

        @Override
        public void add(NDArray prediction, Targets targets) {
            NDArray mask = counted(targets, DataType.INT64);
            // Pixels the mask leaves out become -1, which the matrix ignores.
            NDArray labels = targets.values().toType(DataType.INT64, false).mul(mask).add(mask.sub(1));
            int classAxis = prediction.getShape().dimension() - 3;
            matrix.add(labels.toLongArray(), prediction.argMax(classAxis).toType(DataType.INT64, false).toLongArray());
            loss.add(SegmentationTask.this.loss(prediction, targets), DenseLosses.sum(mask));
        }

        @Override
        public Metrics result() {
            return Metrics.builder()
                    .put(MIOU.name(), matrix.meanIou(), MIOU.direction())
                    .put(PIXEL_ACCURACY.name(), matrix.pixelAccuracy(), PIXEL_ACCURACY.direction())
                    .put(DenseLosses.LOSS.name(), loss.mean(), DenseLosses.LOSS.direction())
                    .build();
        }
    }

    @Override
    public String toString() {
        return name + ": " + classes + "-class segmentation of " + height + "x" + width + " (-1 = ignore)";
    }
}

package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.data.MaskedMean;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskEvaluator;

/**
 * Depth regression with invalid pixels: the L1 distance of predictions {@code [..., N, 1, H, W]}
 * to targets of that shape, averaged over the pixels whose mask is 1 (the datasets set it where
 * the stored depth is not 0, as the references' {@code sum(depth, dim=1) != 0}).
 *
 * <p><b>Metrics</b> over every valid pixel of the split: {@code abs-error} (the headline, lower is
 * better) {@code sum |p - t| / count} and {@code rel-error} (lower is better) {@code sum |p - t|
 * / t / count}, as the FAMO and Nash-MTL {@code depth_error} compute them per batch, and {@code
 * loss}, which is the same L1 mean as {@code abs-error}. Those repositories average the batch
 * values over the test batches, which weights a pixel by its batch's number of valid pixels;
 * here every valid pixel of the split weighs the same (they agree when all batches have as many
 * valid pixels).
 */
public final class DepthTask implements Task {

    /** The mean absolute error over valid pixels. */
    public static final Metric ABS_ERROR = new Metric("abs-error", Direction.LOWER_IS_BETTER);
    /** The mean relative error {@code |p - t| / t} over valid pixels. */
    public static final Metric REL_ERROR = new Metric("rel-error", Direction.LOWER_IS_BETTER);

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
        return MaskedMean.of(prediction.sub(targets.values()).abs(), mask, 4);
    }

    @Override
    public Metric metric() {
        return ABS_ERROR;
    }

    @Override
    public NDArray score(NDArray prediction, Targets targets) {
        return loss(prediction, targets);
    }

    @Override
    public TaskEvaluator newEvaluator() {
        return new Evaluator();
    }

    /** Sums of absolute and relative errors over the valid pixels of a split, in float64. */
    private static final class Evaluator implements TaskEvaluator {
        private double absolute;
        private double relative;
        private double counted;

        @Override
        public void add(NDArray prediction, Targets targets) {
            NDArray m = DenseLosses.mask(targets, DataType.FLOAT64);
            NDArray t = targets.values().toType(DataType.FLOAT64, false);
            NDArray error = prediction.toType(DataType.FLOAT64, false).sub(t).abs().mul(m);
            absolute += DenseLosses.sum(error);
            // Invalid pixels divide by 1 instead of their depth 0 (and are 0 already).
            relative += DenseLosses.sum(error.div(t.mul(m).add(m.neg().add(1))));
            counted += DenseLosses.sum(m);
        }

        @Override
        public Metrics result() {
            double abs = counted > 0 ? absolute / counted : Double.NaN;
            return Metrics.builder()
                    .put(ABS_ERROR.name(), abs, ABS_ERROR.direction())
                    .put(REL_ERROR.name(), counted > 0 ? relative / counted : Double.NaN, REL_ERROR.direction())
                    .put(DenseLosses.LOSS.name(), abs, DenseLosses.LOSS.direction())
                    .build();
        }
    }

    @Override
    public String toString() {
        return name + ": depth of " + height + "x" + width + " (0 = invalid)";
    }
}

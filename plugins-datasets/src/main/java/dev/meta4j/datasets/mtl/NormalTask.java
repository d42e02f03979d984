package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.data.AngleErrors;
import dev.meta4j.api.data.MaskedMean;
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
 * have).
 *
 * <p><b>Metrics</b> over every valid pixel of the split, of the angle {@code acos(clamp(<p, t>,
 * -1, 1))} in degrees (the FAMO and Nash-MTL {@code normal_error}, which takes the dot product of
 * the unit vectors the model outputs): {@code angle-mean} (the headline) and {@code angle-median}
 * (lower is better), {@code within-11.25}, {@code within-22.5} and {@code within-30}, the fractions
 * strictly below those angles (higher is better), and {@code loss}. The median comes from {@link
 * AngleErrors}' histogram, within 0.005° of the exact one; the references average per-batch
 * means, medians and fractions over the test batches, which is not the split's statistic.
 */
public final class NormalTask implements Task {

    /** The mean angular error in degrees. */
    public static final Metric ANGLE_MEAN = new Metric("angle-mean", Direction.LOWER_IS_BETTER);
    /** The median angular error in degrees. */
    public static final Metric ANGLE_MEDIAN = new Metric("angle-median", Direction.LOWER_IS_BETTER);
    /** The thresholds of the papers' "within t°" fractions. */
    static final double[] THRESHOLDS = {11.25, 22.5, 30};
    private static final Metric[] WITHIN = {
        new Metric("within-11.25", Direction.HIGHER_IS_BETTER),
        new Metric("within-22.5", Direction.HIGHER_IS_BETTER),
        new Metric("within-30", Direction.HIGHER_IS_BETTER),
    };

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
        NDArray mask = counted(targets, prediction.getDataType());
        return MaskedMean.of(prediction.mul(targets.values()), mask, 4).neg().add(1);
    }

    /** 1 at the valid pixels, {@code [..., N, 1, H, W]}: the mask, or where some component is not 0. */
    private static NDArray counted(Targets targets, DataType type) {
        return targets.masked() ? targets.mask().toType(type, false)
                : targets.values().abs().sum(new int[] {-3}, true).gt(0).toType(type, false);
    }

    @Override
    public Metric metric() {
        return ANGLE_MEAN;
    }

    @Override
    public NDArray score(NDArray prediction, Targets targets) {
        return DenseLosses.batchScore(this, prediction, targets);
    }

    @Override
    public TaskEvaluator newEvaluator() {
        return new Evaluator();
    }

    /** The angles of a split's valid pixels, histogrammed, and the loss. */
    private final class Evaluator implements TaskEvaluator {
        private final AngleErrors angles = new AngleErrors(THRESHOLDS);
        private final DenseLosses.SplitLoss loss = new DenseLosses.SplitLoss();

        @Override
        public void add(NDArray prediction, Targets targets) {
            int channels = prediction.getShape().dimension() - 3;
            NDArray valid = counted(targets, DataType.FLOAT64);
            NDArray cos = prediction.toType(DataType.FLOAT64, false).mul(targets.values().toType(DataType.FLOAT64, false))
                    .sum(new int[] {channels}).clip(-1, 1);
            double[] radians = cos.acos().get(valid.squeeze(channels).toType(DataType.BOOLEAN, false)).toDoubleArray();
            double[] degrees = new double[radians.length];
            for (int i = 0; i < radians.length; i++) {
                degrees[i] = Math.toDegrees(radians[i]);
            }
            angles.add(degrees);
            loss.add(NormalTask.this.loss(prediction, targets), radians.length);
        }

        @Override
        public Metrics result() {
            Metrics.Builder b = Metrics.builder()
                    .put(ANGLE_MEAN.name(), angles.mean(), ANGLE_MEAN.direction())
                    .put(ANGLE_MEDIAN.name(), angles.median(), ANGLE_MEDIAN.direction());
            for (int i = 0; i < THRESHOLDS.length; i++) {
                b.put(WITHIN[i].name(), angles.fractionBelow(THRESHOLDS[i]), WITHIN[i].direction());
            }
            return b.put(DenseLosses.LOSS.name(), loss.mean(), DenseLosses.LOSS.direction()).build();
        }
    }

    @Override
    public String toString() {
        return name + ": surface normals of " + height + "x" + width;
    }
}

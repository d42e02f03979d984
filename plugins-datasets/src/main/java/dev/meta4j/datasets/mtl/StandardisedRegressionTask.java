package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.algorithm.Metrics;
import dev.meta4j.api.data.RegressionTask;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskEvaluator;

/**
 * Regression of one target that the dataset standardised ({@code (y - mean) / std}, QM9's {@code
 * scale-y}): trained with {@link RegressionTask}'s MSE on the standardised values, and scored by
 * the mean absolute error in the units the papers report, {@code mae = mean |p - y| · std ·
 * factor} over the whole split (the FAMO and Nash-MTL QM9 {@code evaluate}: the L1 error of
 * {@code out * std} against {@code y * std}, summed over the split and divided by its size, then
 * energies in meV). The headline is {@code mae} (lower is better); {@code loss} is the
 * standardised MSE.
 */
public final class StandardisedRegressionTask implements Task {

    /** The mean absolute error in {@link #unit()}. */
    public static final Metric MAE = new Metric("mae", Direction.LOWER_IS_BETTER);

    private final RegressionTask mse;
    private final double scale;
    private final String unit;

    /**
     * A standardised regression task.
     *
     * @param name the task's name
     * @param std what the dataset divided the target by (1 if it did not)
     * @param factor from the dataset's unit to the reported one (1000 for eV to meV)
     * @param unit the reported unit of {@code mae}
     */
    public StandardisedRegressionTask(String name, double std, double factor, String unit) {
        if (!(std > 0 && factor > 0)) {
            throw new IllegalArgumentException("task '" + name + "': std " + std + " and factor " + factor
                    + " must be positive");
        }
        this.mse = new RegressionTask(name, 1);
        this.scale = std * factor;
        this.unit = unit;
    }

    @Override
    public String name() {
        return mse.name();
    }

    @Override
    public long[] outputShape() {
        return mse.outputShape();
    }

    /**
     * The unit of {@code mae}.
     *
     * @return the unit, such as {@code meV}
     */
    public String unit() {
        return unit;
    }

    @Override
    public NDArray loss(NDArray prediction, Targets targets) {
        return mse.loss(prediction, targets);
    }

    @Override
    public Metric metric() {
        return MAE;
    }

    @Override
    public NDArray score(NDArray prediction, Targets targets) {
        NDArray mask = DenseLosses.mask(targets, prediction.getDataType());
        return dev.meta4j.api.data.MaskedMean.of(prediction.sub(targets.values()).abs(), mask, 2)
                .mul(dev.meta4j.api.autograd.Scalar.of(prediction.getManager(), scale, prediction.getDataType()));
    }

    @Override
    public TaskEvaluator newEvaluator() {
        return new Evaluator();
    }

    /** Sums of absolute errors in the reported unit, and the loss, over a split. */
    private final class Evaluator implements TaskEvaluator {
        private final DenseLosses.SplitLoss loss = new DenseLosses.SplitLoss();
        private double absolute;
        private double counted;

        @Override
        public void add(NDArray prediction, Targets targets) {
            NDArray m = DenseLosses.mask(targets, DataType.FLOAT64);
            NDArray error = prediction.toType(DataType.FLOAT64, false).sub(targets.values().toType(DataType.FLOAT64, false))
                    .abs().mul(m);
            double n = DenseLosses.sum(m);
            absolute += DenseLosses.sum(error) * scale;
            counted += n;
            loss.add(mse.loss(prediction, targets), n);
        }

        @Override
        public Metrics result() {
            return Metrics.builder()
                    .put(MAE.name(), counted > 0 ? absolute / counted : Double.NaN, MAE.direction())
                    .put(DenseLosses.LOSS.name(), loss.mean(), DenseLosses.LOSS.direction())
                    .build();
        }
    }

    @Override
    public String toString() {
        return name() + ": regression of a standardised target, MAE in " + unit;
    }
}

package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metric;

/**
 * Regression of a vector: mean squared error of predictions {@code [..., N, outputs]} against
 * targets of the same shape; the headline metric is the same MSE (lower is better). A mask of
 * the targets' shape leaves elements out.
 */
public final class RegressionTask implements Task {

    private static final Metric MSE = new Metric("mse", Direction.LOWER_IS_BETTER);
    private static final Metric LOSS = new Metric("loss", Direction.LOWER_IS_BETTER);

    private final String name;
    private final int outputs;

    /**
     * A regression task.
     *
     * @param name the task's name
     * @param outputs the number of regressed values per example, at least 1
     */
    public RegressionTask(String name, int outputs) {
        TaskNames.check(name);
        if (outputs < 1) {
            throw new IllegalArgumentException("task '" + name + "' has " + outputs + " outputs; it needs at least 1");
        }
        this.name = name;
        this.outputs = outputs;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] outputShape() {
        return new long[] {outputs};
    }

    @Override
    public NDArray loss(NDArray prediction, Targets targets) {
        NDArray d = prediction.sub(targets.values());
        NDArray squared = d.mul(d);
        if (!targets.masked()) {
            return MeanOver.lastTwo(squared);
        }
        return MeanOver.maskedLastTwo(squared, targets.mask().toType(prediction.getDataType(), false));
    }

    @Override
    public Metric metric() {
        return MSE;
    }

    @Override
    public NDArray score(NDArray prediction, Targets targets) {
        return loss(prediction, targets);
    }

    @Override
    public TaskEvaluator newEvaluator() {
        // The training loss is the MSE itself: one batch mean serves both names.
        WeightedMeans.BatchMean mse = this::loss;
        return new WeightedMeans(new Metric[] {MSE, LOSS}, new WeightedMeans.BatchMean[] {mse, mse});
    }

    @Override
    public String toString() {
        return name + ": regression of " + outputs + (outputs == 1 ? " value" : " values");
    }
}

package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.algorithm.Metrics;

/**
 * Regression of a vector: mean squared error of predictions {@code [..., N, outputs]} against
 * targets of the same shape; the headline metric is the same MSE (lower is better). A mask of
 * the targets' shape leaves elements out.
 */
public final class RegressionTask implements Task {

    private static final Metric MSE = new Metric("mse", Direction.LOWER_IS_BETTER);

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
        return new TaskEvaluator() {
            private double squaredSum;
            private double counted;

            @Override
            public void add(NDArray prediction, Targets targets) {
                double n = targets.masked()
                        ? targets.mask().toType(DataType.FLOAT64, false).sum().getDouble()
                        : targets.values().size();
                squaredSum += n * MeanOver.value(loss(prediction, targets));
                counted += n;
            }

            @Override
            public Metrics result() {
                double mse = squaredSum / counted;
                return Metrics.builder()
                        .put(MSE.name(), mse, MSE.direction())
                        .put("loss", mse, Direction.LOWER_IS_BETTER)
                        .build();
            }
        };
    }

    @Override
    public String toString() {
        return name + ": regression of " + outputs + (outputs == 1 ? " value" : " values");
    }
}

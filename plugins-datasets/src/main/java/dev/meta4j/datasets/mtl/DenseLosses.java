package dev.meta4j.datasets.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.algorithm.Direction;
import dev.meta4j.api.algorithm.Metric;
import dev.meta4j.api.data.Targets;
import dev.meta4j.api.data.Task;
import dev.meta4j.api.data.TaskEvaluator;

/**
 * What the tasks of the issue-10 benchmarks share beyond the api's {@link
 * dev.meta4j.api.data.MaskedMean}: the loss metric, the mask of targets, and the split-wide mean
 * of a batch-mean loss.
 */
final class DenseLosses {

    /** The training loss, which every task's evaluator reports besides the papers' metrics. */
    static final Metric LOSS = new Metric("loss", Direction.LOWER_IS_BETTER);

    private DenseLosses() {}

    /**
     * The mask of targets in a prediction's type, or ones shaped as the targets' values.
     *
     * @param targets the targets
     * @param type the prediction's type
     * @return the mask
     */
    static NDArray mask(Targets targets, DataType type) {
        return targets.masked() ? targets.mask().toType(type, false) : targets.values().onesLike().toType(type, false);
    }

    /**
     * A task's headline metric of one plain batch ({@code [N, ...outputShape]}), through its
     * split evaluator: these metrics are not means of per-example values, so a batch is a split
     * of its own. Not differentiable, and not for task-batched predictions.
     *
     * @param task the task
     * @param prediction the batch's prediction
     * @param targets its targets
     * @return a scalar in the prediction's type
     */
    static NDArray batchScore(Task task, NDArray prediction, Targets targets) {
        if (prediction.getShape().dimension() != task.outputShape().length + 1) {
            throw new IllegalArgumentException("task '" + task.name() + "' scores plain batches [N, "
                    + java.util.Arrays.toString(task.outputShape()).replaceAll("[\\[\\]]", "") + "], not "
                    + prediction.getShape());
        }
        TaskEvaluator e = task.newEvaluator();
        e.add(prediction, targets);
        double v = e.result().get(task.metric().name()).orElseThrow();
        return prediction.getManager().create(v).toType(prediction.getDataType(), false);
    }

    /**
     * The sum of an array's elements, in float64.
     *
     * @param x the array
     * @return the sum
     */
    static double sum(NDArray x) {
        return x.toType(DataType.FLOAT64, false).sum().getDouble();
    }

    /**
     * The split-wide mean of a task's loss: each batch's mean loss weighted by the elements it
     * counted, so uneven batches and masks give the mean over every counted element of the split.
     */
    static final class SplitLoss {
        private double sum;
        private double counted;

        /**
         * Adds a batch.
         *
         * @param batchMean the batch's loss, a mean over {@code counted} elements
         * @param counted how many elements it counted
         */
        void add(NDArray batchMean, double counted) {
            if (counted > 0) {
                sum += counted * batchMean.toType(DataType.FLOAT64, false).getDouble();
                this.counted += counted;
            }
        }

        /** @return the mean, or NaN if nothing was counted */
        double mean() {
            return counted > 0 ? sum / counted : Double.NaN;
        }
    }
}

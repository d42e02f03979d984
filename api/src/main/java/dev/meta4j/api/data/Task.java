package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;
import dev.meta4j.api.algorithm.Metric;

/**
 * One task of a dataset: what the model outputs for it, how that output is trained, and how it
 * is scored. The dataset owns its tasks ({@link DataSpec#tasks()}); algorithms and the runtime
 * learn losses, metrics and their directions from here, never from a task's name.
 *
 * <p><b>Shapes.</b> A model's output for the task is {@code [..., N, ...outputShape]}: {@code
 * N} examples, after any leading dimensions (the task dimension of a task-batched meta-batch).
 * {@link #loss} and {@link #score} average over the examples and the output elements that
 * count, and keep the leading dimensions, so a task-batched prediction gives one value per
 * episode.
 *
 * <p>{@link ClassificationTask} and {@link RegressionTask} serve the common cases; a dataset
 * with dense or masked targets (segmentation with an ignore label, depth with invalid pixels)
 * implements its own.
 */
public interface Task {

    /**
     * The task's name, unique in its dataset, used in metric keys ({@code left}, {@code depth}).
     *
     * @return the name
     */
    String name();

    /**
     * The shape of the model's output for one example: {@code [classes]}, {@code [outputs]}, or
     * {@code [classes, height, width]} for a dense task.
     *
     * @return a new array
     */
    long[] outputShape();

    /**
     * The width of a flat output, for models with linear heads.
     *
     * @return the only dimension of {@link #outputShape()}
     * @throws IllegalStateException for a task whose output is not flat
     */
    default int outputs() {
        long[] s = outputShape();
        if (s.length != 1) {
            throw new IllegalStateException("task '" + name() + "' outputs " + java.util.Arrays.toString(s)
                    + " per example, not a flat vector; its model needs a dense head");
        }
        return Math.toIntExact(s[0]);
    }

    /**
     * The training loss, differentiable with respect to the prediction.
     *
     * @param prediction the model's output
     * @param targets the targets
     * @return the mean loss over the examples and counted elements, one value per leading index
     *     (a scalar for a plain batch)
     */
    NDArray loss(NDArray prediction, Targets targets);

    /**
     * The headline metric: what selects checkpoints, and what Δm% and the mean rank compare.
     *
     * @return its name and direction
     */
    Metric metric();

    /**
     * The headline metric of a batch, for per-episode evaluation (mean ± CI over episodes).
     *
     * @param prediction the model's output
     * @param targets the targets
     * @return the metric, one value per leading index
     */
    NDArray score(NDArray prediction, Targets targets);

    /**
     * A fresh accumulator of this task's metrics over a split.
     *
     * @return the evaluator
     */
    TaskEvaluator newEvaluator();
}

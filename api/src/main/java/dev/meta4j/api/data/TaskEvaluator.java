package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;
import dev.meta4j.api.algorithm.Metrics;

/**
 * Accumulates one task's metrics over a whole split, batch by batch, so that metrics that are
 * not means of per-batch values (mIoU from a confusion matrix, F1, a median) come out right.
 * One evaluator serves one evaluation; it keeps Java-side sums only, never arrays, so the
 * batches' managers may close between calls.
 */
public interface TaskEvaluator {

    /**
     * Adds a batch.
     *
     * @param prediction the model's output for the task, {@code [N, ...outputShape]}
     * @param targets the batch's targets for the task
     */
    void add(NDArray prediction, Targets targets);

    /**
     * The metrics over every batch added so far, named without the task's prefix ({@code
     * accuracy}, {@code loss}), each with its direction.
     *
     * @return the metrics; the task's {@link Task#metric()} among them
     */
    Metrics result();
}

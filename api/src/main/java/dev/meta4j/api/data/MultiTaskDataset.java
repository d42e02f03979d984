package dev.meta4j.api.data;

import ai.djl.ndarray.NDManager;
import dev.meta4j.api.Split;

/** Labelled examples with one target per task, for multi-task learning. */
public interface MultiTaskDataset extends Dataset {

    /**
     * The number of examples in a split.
     *
     * @param split the split
     * @return the count (zero if the dataset has no such split)
     */
    int size(Split split);

    /**
     * The examples at the given positions of a split.
     *
     * @param split the split
     * @param indices positions in {@code [0, size(split))}
     * @param manager where the arrays are created
     * @return the batch
     */
    MultiTaskBatch batch(Split split, int[] indices, NDManager manager);
}

package dev.meta4j.api.data;

import ai.djl.ndarray.NDManager;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;

/**
 * Labelled examples with one target per task, for multi-task learning.
 *
 * <p>{@link #batch} is the examples as they are: the same positions give the same batch, for any
 * split. {@link #trainingBatch} is what a training step sees: a dataset with random augmentation
 * (NYUv2's flips and scale-crops) applies it there, drawing from the generator it is given, and
 * nowhere else, so evaluation, even of the training split, sees the data as stored.
 */
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

    /**
     * The examples of a training step: those of {@link #batch batch(TRAIN, indices, manager)}
     * after the dataset's random augmentation, if it has any, drawn from {@code rng} alone. An
     * algorithm passes a generator derived from its seed and the step's index, so that a resumed
     * run draws the same augmentation. A dataset that wraps another must forward this method.
     *
     * @param indices positions in {@code [0, size(TRAIN))}
     * @param rng the generator of this draw's augmentation
     * @param manager where the arrays are created
     * @return the batch
     */
    default MultiTaskBatch trainingBatch(int[] indices, Rng rng, NDManager manager) {
        return batch(Split.TRAIN, indices, manager);
    }

    /**
     * Published single-task results to compare this dataset's runs with (Δm%, Δp), when this
     * configuration of the dataset has them (NYUv2 with its 13 classes, Cityscapes with 7, QM9's
     * papers' 11 targets, CelebA's 40 attributes). A dataset that wraps another forwards them for
     * the tasks it keeps.
     *
     * @return the baselines, or empty
     */
    default java.util.Optional<SingleTaskBaselines> singleTaskBaselines() {
        return java.util.Optional.empty();
    }
}

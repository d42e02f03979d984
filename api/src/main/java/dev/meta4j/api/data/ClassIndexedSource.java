package dev.meta4j.api.data;

import ai.djl.ndarray.NDManager;
import dev.meta4j.api.Rng;

/**
 * A {@link TaskSource} whose training episodes can say which classes they drew: what an algorithm
 * with one output per training class needs (multi-task learning as meta-learning, {@code mtl}),
 * since an episode's labels {@code 0 … ways−1} name its classes only within the episode.
 *
 * <p>{@link #sampleClasses} draws exactly the episodes {@link #sample} draws from the same
 * generator state, and consumes the generator the same way, so an algorithm may use either.
 */
public interface ClassIndexedSource extends TaskSource {

    /**
     * Training episodes with their classes.
     *
     * @param episodes the episodes, as {@link #sample} returns them
     * @param classes {@code classes[t][j]} is the training class of label {@code j} in episode
     *     {@code t}, in {@code [0, trainingClasses())}, the same number for the same class in
     *     every episode of the run
     */
    record Drawn(TaskBatch episodes, int[][] classes) {}

    /**
     * The number of classes of the training split.
     *
     * @return {@code C}, at least the training episodes' ways
     */
    int trainingClasses();

    /**
     * Draws a meta-batch of training episodes and names their classes.
     *
     * @param tasks how many episodes
     * @param rng the generator for every random choice of the draw
     * @param manager where the arrays are created
     * @return the episodes and their classes
     */
    Drawn sampleClasses(int tasks, Rng rng, NDManager manager);
}

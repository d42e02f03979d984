package dev.meta4j.api.data;

import ai.djl.ndarray.NDManager;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;

/** Episodes for meta-learning: each task has a small support set and a query set. */
public interface TaskSource extends Dataset {

    /**
     * Draws a meta-batch of training episodes.
     *
     * @param tasks how many episodes
     * @param rng the generator for every random choice of the draw
     * @param manager where the arrays are created (the step's manager)
     * @return the episodes
     */
    TaskBatch sample(int tasks, Rng rng, NDManager manager);

    /**
     * A fixed set of held-out episodes: the same tasks for the same arguments in every run, so
     * that evaluations are comparable across steps, seeds and methods.
     *
     * @param split {@link Split#VALIDATION} or {@link Split#TEST}
     * @param tasks how many episodes
     * @param manager where the arrays are created
     * @return the episodes; their query sets may be larger than in training
     */
    TaskBatch evaluationTasks(Split split, int tasks, NDManager manager);
}

package dev.meta4j.api.data;

import ai.djl.ndarray.NDManager;
import dev.meta4j.api.Rng;
import dev.meta4j.api.Split;

/** Episodes for meta-learning: each task has a small support set and a query set. */
public interface TaskSource extends Dataset {

    /**
     * The sizes of a split's episodes. Held-out episodes may have larger query sets than
     * training ones.
     *
     * @param split the split
     * @return ways, shots and queries
     */
    EpisodeShape episodeShape(Split split);

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
     * A fixed sequence of held-out episodes: the same episodes for the same arguments in every
     * run, so that evaluations are comparable across steps, seeds and methods. Each call starts
     * the sequence anew; it is drawn in chunks (see {@link Episodes}).
     *
     * @param split {@link Split#VALIDATION} or {@link Split#TEST}
     * @param count how many episodes
     * @return the sequence
     */
    Episodes evaluationEpisodes(Split split, int count);
}

package dev.meta4j.algorithms;

import ai.djl.ndarray.NDArray;

/**
 * A base learner of a metric-based few-shot learner: fits the support embeddings of each episode
 * and scores its queries, differentiably in the embeddings. Leading task dimension on every
 * argument; one implementation per head of MetaOptNet (Lee et al. 2019).
 */
interface EpisodeHead {

    /**
     * The query logits.
     *
     * @param support support embeddings {@code [T, S, D]}
     * @param labels their labels in {@code [0, ways)}, {@code [T, S]}
     * @param query query embeddings {@code [T, Q, D]}
     * @param ways the number of classes
     * @return {@code [T, Q, ways]}
     */
    NDArray logits(NDArray support, NDArray labels, NDArray query, int ways);

    /** The labels as a one-hot matrix {@code [T, S, ways]} of the embeddings' type; a constant. */
    static NDArray oneHot(NDArray labels, int ways, NDArray like) {
        return labels.toType(ai.djl.ndarray.types.DataType.INT64, false).oneHot(ways)
                .toType(like.getDataType(), false);
    }

    /** {@code a bᵀ} over the last two dimensions, batched. */
    static NDArray gram(NDArray a, NDArray b) {
        return a.matMul(b.transpose(0, 2, 1));
    }
}

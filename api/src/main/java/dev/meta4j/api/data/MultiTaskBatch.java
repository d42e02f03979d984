package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A batch of examples with one target per task.
 *
 * @param inputs the inputs {@code [N, ...]}
 * @param targets one target array per task, in the spec's order
 */
public record MultiTaskBatch(NDArray inputs, NDList targets) {

    /**
     * The number of examples.
     *
     * @return {@code N}
     */
    public int size() {
        return Math.toIntExact(inputs.getShape().get(0));
    }
}

package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A batch of examples with targets for every task, by task name.
 *
 * @param inputs the inputs {@code [N, ...]}
 * @param targets each task's targets (and mask), keyed by task name in the spec's order
 */
public record MultiTaskBatch(NDArray inputs, Map<String, Targets> targets) {

    /** Copies the map, keeping its order. */
    public MultiTaskBatch {
        targets = Collections.unmodifiableMap(new LinkedHashMap<>(targets));
    }

    /**
     * The number of examples.
     *
     * @return {@code N}
     */
    public int size() {
        return Math.toIntExact(inputs.getShape().get(0));
    }

    /**
     * One task's targets.
     *
     * @param task the task's name
     * @return its targets
     * @throws IllegalArgumentException naming the tasks the batch has
     */
    public Targets targets(String task) {
        Targets t = targets.get(task);
        if (t == null) {
            throw new IllegalArgumentException("the batch has no targets for task '" + task + "'; it has "
                    + targets.keySet());
        }
        return t;
    }
}

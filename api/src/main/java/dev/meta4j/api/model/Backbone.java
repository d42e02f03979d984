package dev.meta4j.api.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.data.DataSpec;

/**
 * A functional model: it declares parameters and computes outputs from given parameters.
 *
 * <p><b>Task-batched forward.</b> A backbone that returns true from {@link
 * #supportsTaskBatch()} also accepts parameters with a leading task dimension {@code T} (every
 * array {@code [T, ...shape]}) together with inputs {@code [T, N, ...]}, and returns outputs
 * {@code [T, N, ...]}: task {@code t} is computed with its own weights. Meta-learning algorithms
 * use it to run a whole meta-batch as one batched graph, which matters because every tensor
 * operation costs microseconds of overhead regardless of its size.
 */
public interface Backbone {

    /**
     * Creates freshly initialised parameters for a dataset's shape.
     *
     * @param spec the inputs and task outputs the model must fit
     * @param rng the generator for the initial values
     * @param manager where the parameters live (the experiment's long-lived manager)
     * @param dataType the floating-point type
     * @return the parameters, in a stable order
     */
    Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType);

    /**
     * Computes the outputs.
     *
     * @param params the parameters (as made by {@link #init}, adapted, or task-batched)
     * @param input a batch of inputs {@code [N, ...spec.inputShape]} (or {@code [T, N, ...]})
     * @param mode training or evaluation
     * @return one output per task of the spec, in the spec's order
     */
    NDList forward(Params params, NDArray input, ForwardMode mode);

    /**
     * Whether {@link #forward} accepts task-batched parameters and inputs (see the class doc).
     *
     * @return true if it does
     */
    default boolean supportsTaskBatch() {
        return false;
    }
}

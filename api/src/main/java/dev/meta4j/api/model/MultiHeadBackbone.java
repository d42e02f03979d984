package dev.meta4j.api.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A backbone with a shared encoder and one head per task (hard parameter sharing). Multi-task
 * weighting methods use the split: some work on gradients of the shared parameters, MGDA-UB on
 * gradients of the shared representation.
 */
public interface MultiHeadBackbone extends Backbone {

    /**
     * The shared representation of a batch.
     *
     * @param params the parameters
     * @param input the inputs
     * @param mode training or evaluation
     * @return the representation {@code [N, ...]}
     */
    NDArray encode(Params params, NDArray input, ForwardMode mode);

    /**
     * The task outputs computed from a representation.
     *
     * @param params the parameters
     * @param representation what {@link #encode} returned
     * @param mode training or evaluation
     * @return one output per task
     */
    NDList decode(Params params, NDArray representation, ForwardMode mode);

    /**
     * Whether a parameter belongs to the shared encoder (else to one task's head).
     *
     * @param name the parameter's name
     * @return true for shared parameters
     */
    boolean isShared(String name);

    /**
     * The task whose head a parameter belongs to.
     *
     * @param name a head parameter's name
     * @return the task index, in the spec's order
     * @throws IllegalArgumentException for a shared parameter
     */
    int taskOf(String name);

    @Override
    default NDList forward(Params params, NDArray input, ForwardMode mode) {
        return decode(params, encode(params, input, mode), mode);
    }
}

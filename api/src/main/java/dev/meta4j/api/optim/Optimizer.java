package dev.meta4j.api.optim;

import ai.djl.ndarray.NDList;
import dev.meta4j.api.Stateful;
import dev.meta4j.api.model.Params;

/**
 * Updates parameters in place from their gradients. State (moments) is created on the first
 * step, per parameter name, in the experiment's long-lived manager.
 */
public interface Optimizer extends Stateful {

    /**
     * The learning rate the config asks for, before any schedule.
     *
     * @return the base learning rate
     */
    double baseLearningRate();

    /**
     * Applies one update. Must not be recorded for differentiation: implementations update in
     * place with recording paused.
     *
     * @param params the parameters to update, always the same names in the same order; trained
     *     parameters only ({@link Params#trainable()}): implementations refuse buffers with
     *     {@link Params#requireTrainable}
     * @param grads one gradient per parameter, aligned with {@code params}
     * @param learningRate the rate for this step (the base rate times the schedule)
     */
    void step(Params params, NDList grads, double learningRate);
}

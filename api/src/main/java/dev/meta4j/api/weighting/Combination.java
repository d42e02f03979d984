package dev.meta4j.api.weighting;

import ai.djl.ndarray.NDArray;

/**
 * A weighting method's decision for one step: how the task losses become one update.
 *
 * <p>One of three kinds: a scalar {@link Objective} that is back-propagated through the whole
 * model (methods that work on losses, and MGDA-UB); an explicit {@link SharedGradient} for the
 * shared parameters together with per-task weights of the head gradients (methods that manipulate
 * per-task gradients: MGDA, PCGrad, CAGrad, IMTL, Nash-MTL); or a {@link RepresentationGradient},
 * an edited gradient of the shared representation that the algorithm back-propagates through the
 * encoder, again with per-task weights of the head gradients (GradDrop).
 */
public sealed interface Combination {

    /**
     * The task weights the method chose this step, for logging only ({@code [K]}, detached), or
     * null if the method has no such weights.
     *
     * @return the weights
     */
    NDArray taskWeights();

    /**
     * Back-propagate this scalar.
     *
     * @param objective a recorded scalar built from the losses
     * @param taskWeights the weights behind it, for logging (may be null)
     * @param maxSharedGradientNorm if positive, the gradient of the shared parameters is then
     *     scaled down to at most this Euclidean norm (Nash-MTL's {@code max_norm}); 0 for none
     */
    record Objective(NDArray objective, NDArray taskWeights, double maxSharedGradientNorm)
            implements Combination {

        /**
         * An objective without gradient clipping.
         *
         * @param objective a recorded scalar built from the losses
         * @param taskWeights the weights behind it, for logging (may be null)
         */
        public Objective(NDArray objective, NDArray taskWeights) {
            this(objective, taskWeights, 0);
        }
    }

    /**
     * Use this update direction for the shared parameters and weight each head's own gradient.
     *
     * @param sharedGradient the gradient of the shared parameters, flattened {@code [P]} in the
     *     order of {@link TaskSignals#sharedGradients()}
     * @param headWeights {@code [K]}: head {@code i} receives {@code headWeights[i]} times the
     *     gradient of loss {@code i}
     * @param taskWeights the weights for logging (may be null)
     */
    record SharedGradient(NDArray sharedGradient, NDArray headWeights, NDArray taskWeights)
            implements Combination {}

    /**
     * Use this gradient of the shared representation {@code z} for the encoder and weight each
     * head's own gradient. The encoder's parameters {@code theta} receive the vector-Jacobian
     * product {@code (dz/dtheta)^T gradient}, that is the gradient of {@code sum(z * gradient)}
     * with the gradient held constant; head {@code i} receives {@code headWeights[i]} times the
     * gradient of loss {@code i}. Needs {@link Need#REPRESENTATION_GRADIENTS}.
     *
     * @param gradient shaped like {@link TaskSignals#representation()} ({@code [N, ...]}), or its
     *     row-major flattening {@code [R]}; detached
     * @param headWeights {@code [K]}: head {@code i} receives {@code headWeights[i]} times the
     *     gradient of loss {@code i}
     * @param taskWeights the weights for logging (may be null)
     */
    record RepresentationGradient(NDArray gradient, NDArray headWeights, NDArray taskWeights)
            implements Combination {}

    /**
     * The objective {@code sum_i weights[i] * losses[i]}.
     *
     * @param losses the recorded losses {@code [K]}
     * @param weights the weights {@code [K]}, treated as constants
     * @return the combination
     */
    static Combination weighted(NDArray losses, NDArray weights) {
        NDArray w = weights.stopGradient();
        return new Objective(losses.mul(w).sum(), w);
    }
}

package dev.meta4j.support.innerloop;

import ai.djl.ndarray.NDArray;
import dev.meta4j.api.model.Params;

/**
 * How one inner-loop step changes one adapted parameter from its gradient. Rules with learnable
 * state (Meta-SGD's per-parameter rates, MAML++'s per-layer-per-step rates) expose it through
 * {@link #parameters()}, so the algorithm meta-learns and checkpoints it with the initialisation.
 *
 * <p>{@link #apply} runs inside the inner loop's recording scope when the adaptation is second
 * order: it must use only recorded-safe arithmetic (arrays, {@link
 * dev.meta4j.api.autograd.Scalar}), never {@code mul(Number)} (DESIGN.md, "Autograd through DJL").
 * Its first operand should be the gradient, which lives in the step's manager, so results do not
 * land in the manager of a long-lived rate.
 */
public interface UpdateRule {

    /** @return the rule's learnable arrays (empty for a fixed learning rate) */
    Params parameters();

    /**
     * The same rule over other values of its learnable arrays (same names and shapes): for a
     * meta-gradient at perturbed values, as finite-difference checks need, or for per-task
     * copies.
     *
     * @param parameters values aligned with {@link #parameters()}
     * @return the rule over them
     */
    UpdateRule with(Params parameters);

    /**
     * One step of one parameter.
     *
     * @param step the inner step, from 0
     * @param name the parameter's name in the model's {@link Params}
     * @param w its current value (task-batched: a leading task dimension)
     * @param g its gradient, shaped like {@code w}
     * @return the updated value
     */
    NDArray apply(int step, String name, NDArray w, NDArray g);
}

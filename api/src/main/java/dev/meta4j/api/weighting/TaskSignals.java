package dev.meta4j.api.weighting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * What a weighting method sees in one training step.
 *
 * @param losses the {@code K} task losses, a recorded (differentiable) vector
 * @param sharedGradients per-task gradients of the shared parameters {@code [K, P]}, detached;
 *     present only when the method asked for {@link Need#SHARED_GRADIENTS}, else null
 * @param representationGradients per-task gradients of the shared representation {@code [K,
 *     R]}, detached; present only for {@link Need#REPRESENTATION_GRADIENTS}, else null
 * @param step the zero-based training step
 * @param epoch the zero-based epoch the step belongs to
 * @param manager the step's manager, for any array the method creates
 */
public record TaskSignals(
        NDArray losses,
        NDArray sharedGradients,
        NDArray representationGradients,
        long step,
        long epoch,
        NDManager manager) {

    /**
     * The number of tasks.
     *
     * @return {@code K}
     */
    public int taskCount() {
        return Math.toIntExact(losses.getShape().get(0));
    }
}

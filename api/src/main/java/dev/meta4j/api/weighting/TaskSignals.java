package dev.meta4j.api.weighting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.meta4j.api.optim.TrainingClock;

/**
 * What a weighting method sees in one training step.
 *
 * @param losses the {@code K} task losses, a recorded (differentiable) vector
 * @param sharedGradients per-task gradients of the shared parameters {@code [K, P]}, detached;
 *     present only when the method asked for {@link Need#SHARED_GRADIENTS}, else null
 * @param representationGradients per-task gradients of the shared representation {@code [K,
 *     R]}, each row the row-major flattening of a gradient shaped like {@code representation};
 *     detached; present only for {@link Need#REPRESENTATION_GRADIENTS}, else null
 * @param representation the shared representation itself (the encoder's output), detached, in
 *     its own shape, whose first dimension is the batch ({@code [N, ...]}, {@code R} elements);
 *     present with {@code representationGradients}, else null
 * @param clock where training stands: the step, the epoch, the total and the fraction done
 * @param manager the step's manager, for any array the method creates
 */
public record TaskSignals(
        NDArray losses,
        NDArray sharedGradients,
        NDArray representationGradients,
        NDArray representation,
        TrainingClock clock,
        NDManager manager) {

    /** Checks that the signals every step has are there. */
    public TaskSignals {
        if (losses == null || clock == null || manager == null) {
            throw new IllegalArgumentException("task signals need the losses, the clock and the step's manager");
        }
    }

    /**
     * Signals with the losses alone ({@link Need#LOSSES}).
     *
     * @param losses the recorded losses {@code [K]}
     * @param clock where training stands
     * @param manager the step's manager
     * @return the signals
     */
    public static TaskSignals lossesOnly(NDArray losses, TrainingClock clock, NDManager manager) {
        return new TaskSignals(losses, null, null, null, clock, manager);
    }

    /**
     * The zero-based training step.
     *
     * @return {@code clock().step()}
     */
    public long step() {
        return clock.step();
    }

    /**
     * The zero-based epoch the step belongs to (the step itself for an algorithm without epochs).
     *
     * @return {@code clock().epoch()}
     */
    public long epoch() {
        return clock.epoch();
    }

    /**
     * The number of tasks.
     *
     * @return {@code K}
     */
    public int taskCount() {
        return Math.toIntExact(losses.getShape().get(0));
    }
}

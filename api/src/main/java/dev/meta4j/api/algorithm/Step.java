package dev.meta4j.api.algorithm;

import ai.djl.ndarray.NDManager;
import dev.meta4j.api.optim.TrainingClock;

/**
 * One training step as the runtime hands it to an algorithm.
 *
 * @param clock where training stands: the step, the epoch, the total and the fraction done (for
 *     schedules inside an algorithm, such as MAML++'s loss annealing or Reptile's step size)
 * @param learningRate the optimizer's rate for this step, after the schedule
 * @param manager a manager for every array of the step; closed by the runtime afterwards
 */
public record Step(TrainingClock clock, double learningRate, NDManager manager) {

    /**
     * The zero-based step.
     *
     * @return {@code clock().step()}
     */
    public long index() {
        return clock.step();
    }
}

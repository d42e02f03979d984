package dev.meta4j.api.optim;

import dev.meta4j.api.Stateful;

/** Scales the optimizer's base learning rate over the course of training. */
public interface Scheduler extends Stateful {

    /**
     * The factor for a step.
     *
     * @param clock where training stands
     * @return the multiplier of the base learning rate
     */
    double factor(TrainingClock clock);

    /**
     * Tells the schedule the latest validation score, for schedules that react to it.
     *
     * @param score the selection metric, oriented so that lower is better
     */
    default void observe(double score) {}
}

package dev.meta4j.api.model;

import dev.meta4j.api.Rng;
import dev.meta4j.api.optim.TrainingClock;
import java.util.Objects;

/**
 * The context of one forward pass.
 *
 * @param training true while training (batch statistics, dropout); false in evaluation
 * @param innerStep the inner-loop step being computed, counted from 0, for models with per-step
 *     state (MAML++'s per-step batch norm); {@link #OUTSIDE_INNER_LOOP} elsewhere
 * @param rng the generator of any random choice inside the pass (dropout masks), so that it is
 *     reproducible from the experiment's seed
 * @param clock where training stands, for models whose regularisation follows a schedule (ResNet-12's
 *     DropBlock rate grows over the first steps); {@code null} where the caller does not say (an
 *     evaluation, a test, an algorithm that does not pass it), and a model then uses its schedule's
 *     final value
 */
public record Forward(boolean training, int innerStep, Rng rng, TrainingClock clock) {

    /** The {@link #innerStep} of a pass that is not part of an inner loop. */
    public static final int OUTSIDE_INNER_LOOP = -1;

    /** Validates the fields. */
    public Forward {
        Objects.requireNonNull(rng, "a forward pass needs a generator (the algorithm's rng)");
        if (innerStep < OUTSIDE_INNER_LOOP) {
            throw new IllegalArgumentException("inner step " + innerStep + " is below " + OUTSIDE_INNER_LOOP);
        }
    }

    /**
     * A pass that does not say where training stands ({@link #clock} {@code null}).
     *
     * @param training true while training
     * @param innerStep the inner-loop step, or {@link #OUTSIDE_INNER_LOOP}
     * @param rng the generator for random choices
     */
    public Forward(boolean training, int innerStep, Rng rng) {
        this(training, innerStep, rng, null);
    }

    /**
     * A training pass outside any inner loop that does not say where training stands.
     *
     * @param rng the generator for random choices
     * @return the context
     */
    public static Forward training(Rng rng) {
        return new Forward(true, OUTSIDE_INNER_LOOP, rng, null);
    }

    /**
     * A training pass outside any inner loop at a known point of training.
     *
     * @param rng the generator for random choices
     * @param clock the step's clock ({@code Step.clock()})
     * @return the context
     */
    public static Forward training(Rng rng, TrainingClock clock) {
        return new Forward(true, OUTSIDE_INNER_LOOP, rng, Objects.requireNonNull(clock, "clock"));
    }

    /**
     * An evaluation pass outside any inner loop.
     *
     * @param rng the generator for random choices (an evaluation pass usually makes none)
     * @return the context
     */
    public static Forward evaluation(Rng rng) {
        return new Forward(false, OUTSIDE_INNER_LOOP, rng, null);
    }

    /**
     * The same pass at an inner-loop step.
     *
     * @param step the step, from 0
     * @return the context
     */
    public Forward atInnerStep(int step) {
        if (step < 0) {
            throw new IllegalArgumentException("inner steps are counted from 0, got " + step);
        }
        return new Forward(training, step, rng, clock);
    }
}

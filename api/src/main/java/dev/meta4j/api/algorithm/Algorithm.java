package dev.meta4j.api.algorithm;

import ai.djl.ndarray.NDManager;
import dev.meta4j.api.Split;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.Stateful;
import dev.meta4j.api.model.Params;
import java.util.OptionalLong;

/**
 * A training procedure: MAML, Reptile, supervised multi-task learning, ...
 *
 * <p>The runtime creates the plugins named by a config, hands them over in {@link #init}, then
 * calls {@link #trainStep} once per step inside a fresh {@link NDManager} that it closes after
 * the step, and {@link #evaluate} every few steps. The algorithm owns what happens inside a
 * step, including the optimizer update, because some methods need to act after it.
 *
 * <p><b>Native memory is the runtime's job.</b> Before {@link #trainStep} and {@link #evaluate}
 * the runtime temp-attaches {@link #parameters()} to the call's manager, so results of operations
 * on them are freed with it. An algorithm that evaluates in chunks, each in a sub-manager so that
 * memory does not grow with the episode count, attaches them to each chunk's manager itself
 * ({@code Params.tempAttach}; the support module's inner loop does it for its walk).
 */
public interface Algorithm extends Stateful {

    /**
     * Binds the experiment's components and creates the trainable parameters.
     *
     * @param components the other plugins and shared resources
     */
    void init(Components components);

    /**
     * Everything the optimizer trains, for checkpoints. Fixed after {@link #init}.
     *
     * @return the trained parameters
     */
    Params parameters();

    /**
     * How many steps make one pass over the training data, if the algorithm works in epochs;
     * lets a config say {@code epochs = 10} instead of a step count.
     *
     * @return the steps per epoch, or empty for algorithms that sample tasks
     */
    default OptionalLong stepsPerEpoch() {
        return OptionalLong.empty();
    }

    /**
     * Runs one training step.
     *
     * @param step the step's index, learning rate and manager
     * @return what to log for the step (loss, task weights, ...)
     */
    Metrics trainStep(Step step);

    /**
     * Evaluates the current parameters on a held-out split.
     *
     * @param split {@link Split#VALIDATION} or {@link Split#TEST}
     * @param manager a manager closed after the call
     * @return metrics, and figures worth saving
     */
    Evaluation evaluate(Split split, NDManager manager);

    /**
     * The validation metric that picks the best checkpoint and drives plateau schedules.
     *
     * @return the metric and its direction
     */
    Selection selection();

    @Override
    default void saveState(StateDict state) {}

    @Override
    default void loadState(StateDict state) {}
}

package dev.meta4j.api.weighting;

import ai.djl.ndarray.NDArray;
import dev.meta4j.api.Stateful;
import dev.meta4j.api.StateDict;
import dev.meta4j.api.model.Params;

/**
 * A multi-task loss-weighting or gradient-manipulation method.
 *
 * <p>Each step the algorithm asks {@link #need(long)}, computes what the need names and hands it
 * over in {@link TaskSignals} (always the recorded losses and the {@link TaskSignals#clock()
 * clock}); {@link #combine} answers with one of the three {@link Combination} kinds, and the
 * algorithm turns that into the gradient of every trained parameter:
 *
 * <table>
 *   <caption>what a method sees and may return</caption>
 *   <tr><th>need</th><th>methods</th><th>sees in addition</th><th>returns</th></tr>
 *   <tr><td>{@link Need#LOSSES}</td><td>LS, scale-invariant LS, RLW, DWA, UW, FAMO (Nash-MTL
 *       between solves)</td><td>nothing</td><td>an {@link Combination.Objective}, back-propagated
 *       through the whole model in one pass</td></tr>
 *   <tr><td>{@link Need#SHARED_GRADIENTS}</td><td>MGDA, PCGrad, CAGrad, IMTL, Nash-MTL</td>
 *       <td>{@link TaskSignals#sharedGradients()}: the {@code [K, P]} per-task gradients of the
 *       shared parameters</td><td>a {@link Combination.SharedGradient} (the shared parameters'
 *       update, each head's own gradient weighted), or an objective</td></tr>
 *   <tr><td>{@link Need#REPRESENTATION_GRADIENTS}</td><td>MGDA-UB, GradDrop</td><td>{@link
 *       TaskSignals#representationGradients()}: the {@code [K, R]} per-task gradients of the
 *       shared representation, and {@link TaskSignals#representation()} itself</td><td>an
 *       objective (MGDA-UB), or a {@link Combination.RepresentationGradient}: an edited gradient of
 *       the representation, which the algorithm back-propagates through the encoder as a
 *       vector-Jacobian product, each head's own gradient weighted (GradDrop)</td></tr>
 * </table>
 *
 * <p>A shared or representation gradient without the matching need is an error: the algorithm has
 * not computed what it would route. Parameters of the method itself ({@link #parameters()}) get a
 * gradient only from an objective; with the other two kinds they get zeros.
 *
 * <p>A method that needs the losses after the optimizer step (FAMO) says so with {@link
 * #wantsLossesAfterStep()} and receives them in {@link #afterStep(NDArray)}. A method that needs
 * random arrays (GradDrop's uniform draws) takes them from {@link
 * dev.meta4j.api.PluginContext#random()} with its own {@link dev.meta4j.api.Rng}, so that they are
 * reproducible and resume exactly.
 *
 * <p><b>Recording.</b> {@link #combine} runs inside a recording scope ({@link
 * dev.meta4j.api.autograd.Autograd#record()}), opened by the algorithm around the forward pass:
 * every operation on {@code signals.losses()} there is part of the graph that is back-propagated.
 * Hence: constants that enter the objective are {@link dev.meta4j.api.autograd.Scalar#of} or
 * {@link dev.meta4j.api.autograd.Scalar#vector} arrays, never {@code mul(0.5)} (a recorded {@code
 * Number} operand is freed before the backward pass); weights that must not carry a gradient go
 * through {@code stopGradient()} or are computed in Java doubles (with {@code StrictMath}, so runs
 * repeat bit for bit); and every array goes into {@code signals.manager()}, the step's manager,
 * which the runtime closes after the step. {@link #afterStep} runs with recording paused. An
 * algorithm of a third party that calls {@code combine} must open the recording scope itself.
 */
public interface WeightingMethod extends Stateful {

    /**
     * Tells the method how many tasks it weights. The algorithm calls it once, before training
     * and before {@link #parameters()}, so that methods with per-task parameters (UW) can create
     * them before the optimizer first sees them.
     *
     * @param taskCount {@code K}, the length of every losses vector the method will see
     */
    default void init(int taskCount) {}

    /**
     * What {@link #combine} needs at a step. May change from step to step (Nash-MTL solves for
     * new weights only every few steps).
     *
     * @param step the zero-based training step
     * @return the need
     */
    Need need(long step);

    /**
     * Decides this step's update.
     *
     * @param signals the losses and, as asked for, gradients
     * @return the combination
     */
    Combination combine(TaskSignals signals);

    /**
     * Parameters of the method itself that the model's optimizer trains together with the
     * model (UW's log-variances). Created once, in the experiment's manager, each with {@code
     * setRequiresGradient(true)}; the algorithm differentiates the objective with respect to them.
     * In {@link #combine}, bring one into the graph through an operation whose first operand
     * lives in the step's manager (such as {@code signals.manager().zeros(shape).add(p)}), so
     * that the results die with the step instead of accumulating in the experiment's manager.
     *
     * @return the parameters, empty by default
     */
    default Params parameters() {
        return Params.empty();
    }

    /**
     * Whether {@link #afterStep} wants the task losses recomputed on the same batch after the
     * optimizer step (one extra forward pass without gradients).
     *
     * @return false by default
     */
    default boolean wantsLossesAfterStep() {
        return false;
    }

    /**
     * Receives the losses after the optimizer step, if {@link #wantsLossesAfterStep()}.
     *
     * @param lossesAfter {@code [K]}, detached
     */
    default void afterStep(NDArray lossesAfter) {}

    @Override
    default void saveState(StateDict state) {}

    @Override
    default void loadState(StateDict state) {}
}

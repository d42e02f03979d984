package dev.meta4j.api.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.meta4j.api.Rng;
import dev.meta4j.api.data.DataSpec;
import java.util.List;
import java.util.Optional;

/**
 * A functional model: it declares parameters and computes outputs from given parameters.
 *
 * <p><b>Encoder and heads.</b> Every backbone is an encoder, which computes a representation,
 * followed by zero or more heads, one per task of the dataset, which read it. {@link #init} tags
 * each parameter with its head ({@link Params.Builder#addHead}); algorithms find the split there
 * ({@link Params#encoder()}, {@link Params#heads()}, {@link Params#headOf}). A single-task
 * network has one head (usually its last layer); an embedding network for metric learning
 * (Prototypical Networks) has none, and its {@link #forward} is its representation.
 *
 * <p><b>Task-batched forward.</b> A backbone that returns true from {@link
 * #supportsTaskBatch()} also accepts parameters with a leading task dimension {@code T} (every
 * array {@code [T, ...shape]}) together with inputs {@code [T, N, ...]}, and returns outputs
 * {@code [T, N, ...]}: task {@code t} is computed with its own weights. Meta-learning algorithms
 * use it to run a whole meta-batch as one batched graph, which matters because every tensor
 * operation costs microseconds of overhead regardless of its size.
 *
 * <p><b>Rules.</b> Parameters are leaves that require gradients ({@code
 * setRequiresGradient(true)}), created in the manager given to {@link #init}: the algorithms
 * differentiate with respect to exactly these arrays, and one without it is not recorded, so
 * their gradient call fails. A backbone keeps no state between calls that depends on the
 * parameters or the data: everything it needs is in its arguments, so that adapted and
 * task-batched copies work. Convolutions go through {@link
 * dev.meta4j.api.PluginContext#convolution()}, never DJL's {@code Conv2d.conv2d}: libtorch 2.7's
 * channels-first float32 CPU kernel returns a wrong input gradient for common channel counts (see
 * {@link Convolution}). {@link #encode} and {@link #heads} run with recording on (training, and
 * MAML's adaptation during evaluation) or paused (plain evaluation), as the caller decides.
 */
public interface Backbone {

    /**
     * Creates freshly initialised parameters for a dataset's shape.
     *
     * <p>Every array needs {@code setRequiresGradient(true)} (see the class doc). Draw the
     * initial values from {@code rng} (the algorithm passes a split of its {@code
     * PluginContext.rng()}), never from a generator of your own, so that the same seed gives the
     * same model. A resumed run calls {@code init} again and then overwrites the values from the
     * checkpoint, in place, so keep the arrays that {@link Params} holds.
     *
     * @param spec the inputs and task outputs the model must fit
     * @param rng the generator for the initial values
     * @param manager where the parameters live (the experiment's long-lived manager)
     * @param dataType the floating-point type
     * @return the parameters, in a stable order, each tagged with its head
     */
    Params init(DataSpec spec, Rng rng, NDManager manager, DataType dataType);

    /**
     * Computes the representation of a batch: the encoder alone.
     *
     * @param params the parameters (as made by {@link #init}, adapted, or task-batched); the
     *     encoder reads only {@link Params#encoder()}'s
     * @param input a batch of inputs {@code [N, ...spec.inputShape]} (or {@code [T, N, ...]})
     * @param forward training or evaluation, the inner step, the generator
     * @return the representation {@code [N, ...]} (or {@code [T, N, ...]})
     */
    NDArray encode(Params params, NDArray input, Forward forward);

    /**
     * Computes the heads' outputs from a representation.
     *
     * @param params the parameters; the heads read only {@link Params#heads()}'s
     * @param representation what {@link #encode} returned
     * @param forward the same context as for {@link #encode}
     * @return one output per head, in head order; empty for an embedding network
     */
    NDList heads(Params params, NDArray representation, Forward forward);

    /**
     * Computes the outputs: the heads of the representation, or the representation itself for
     * a network without heads.
     *
     * @param params the parameters
     * @param input the inputs
     * @param forward training or evaluation, the inner step, the generator
     * @return one output per task of the spec, in the spec's order (or the representation)
     */
    default NDList forward(Params params, NDArray input, Forward forward) {
        NDArray representation = encode(params, input, forward);
        NDList out = heads(params, representation, forward);
        return out.isEmpty() ? new NDList(representation) : out;
    }

    /**
     * Whether {@link #forward} accepts task-batched parameters and inputs (see the class doc).
     *
     * @return true if it does
     */
    default boolean supportsTaskBatch() {
        return false;
    }

    /**
     * Parameters whose normalisation arrays come once per inner step, and the names of the
     * normalisation layers' trained arrays (MAML++'s per-step batch norm, Antoniou et al. 2019).
     *
     * @param params the parameters after the per-step change; a copy of an array of step
     *     {@code k} is named {@code <name>@<k>}, and a pass at {@link Forward#innerStep()} {@code
     *     k} reads it (a pass outside the inner loop is then an error)
     * @param normalization the trained arrays of the normalisation layers (scales and shifts), per
     *     step or not: what an algorithm leaves out of its inner loop when it adapts the rest only
     */
    record PerInnerStep(Params params, List<String> normalization) {}

    /**
     * Gives the normalisation layers one set of arrays per inner step: scale and shift ({@code
     * weights}, MAML++'s BNWB), running statistics ({@code statistics}, BNRS, only where the layers
     * keep them). Each copy starts at the shared array's value. With both false the parameters
     * come back unchanged, with the names of the normalisation arrays.
     *
     * @param params what {@link #init} returned
     * @param steps the inner steps, at least 1
     * @param weights per-step scale and shift
     * @param statistics per-step running statistics (buffers), where there are any
     * @return the changed parameters, or empty when this backbone has no per-step normalisation
     */
    default Optional<PerInnerStep> perInnerStep(Params params, int steps, boolean weights, boolean statistics) {
        return Optional.empty();
    }
}

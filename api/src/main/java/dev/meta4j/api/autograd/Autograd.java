package dev.meta4j.api.autograd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Reverse-mode gradients, including gradients of gradients, without the leaks of
 * {@code backward(create_graph = true)}.
 *
 * <p>Operations are recorded only inside a {@link #record()} scope, on the calling thread.
 * Gradients are returned, never accumulated into the inputs, so nothing has to be zeroed and
 * no gradient keeps a graph alive after its step's manager is closed.
 */
public interface Autograd {

    /**
     * Starts recording operations for differentiation on this thread, until the scope is closed.
     * Scopes nest; closing restores the previous mode.
     *
     * @return the scope to close
     */
    Scope record();

    /**
     * {@link #record()}, declaring how the gradients of what is recorded will be taken: with
     * {@link GraphMode#CREATE} they are differentiated again (second-order MAML), and an engine
     * may then record operations in a form whose second derivative it computes exactly, at some
     * cost in speed or memory. The PyTorch engine does so for CPU convolutions, whose oneDNN double
     * backward read memory it never wrote on an AVX-512 EPYC (DESIGN.md). Any other mode is
     * {@link #record()}.
     *
     * @param mode how the recorded graph's gradients will be taken
     * @return the scope to close
     */
    default Scope record(GraphMode mode) {
        return record();
    }

    /**
     * Stops recording on this thread until the scope is closed (PyTorch's {@code no_grad}). For
     * evaluation and for in-place parameter updates.
     *
     * @return the scope to close
     */
    Scope pause();

    /**
     * Gradients of a scalar with respect to arrays that it was computed from. Inputs that the
     * output does not depend on get zeros. The results belong to the output's manager.
     *
     * @param output a scalar computed inside a {@link #record()} scope
     * @param inputs arrays that require gradients (leaves, or intermediate results)
     * @param mode whether to keep the graph for another call, or to make the gradients
     *     differentiable themselves (for second-order methods such as MAML)
     * @return one gradient per input, same shapes and order
     */
    NDList grad(NDArray output, NDList inputs, GraphMode mode);

    /** A recording mode that lasts until closed. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}

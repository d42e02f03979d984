package dev.meta4j.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.UnaryOperator;

/**
 * Frees a layer's intermediate arrays when the layer is done, instead of at the end of the step.
 *
 * <p>Why: a DJL array lives until its manager closes, and an op's result joins the manager of its
 * first operand, so every intermediate of a forward pass (a batch norm's centred input, its square,
 * the unpooling's repeated map) stays allocated until the training step's manager closes, whether
 * or not the backward pass needs it. For SegNet at NYUv2's size that is hundreds of full-resolution
 * maps: the first MTAN forward + backward of a batch of 2 at 288×384 ran this 23 GB machine out of
 * memory, where PyTorch peaks at 8.5 GB. Closing an array only drops DJL's handle: what autograd
 * saved for the backward pass is reference-counted inside libtorch and stays.
 */
final class Temporaries {

    private Temporaries() {}

    /**
     * Applies a layer in a sub-manager of its input's: the input is attached there for the call
     * (so results of ops whose first operand is derived from it land there), the result is moved
     * to the input's manager, everything else made there is closed.
     *
     * @param x the layer's input
     * @param layer the layer; it must not return {@code x} itself
     * @return the layer's result, in {@code x}'s manager
     */
    static NDArray scoped(NDArray x, UnaryOperator<NDArray> layer) {
        NDManager outer = x.getManager();
        try (NDManager scope = outer.newSubManager()) {
            x.tempAttach(scope);
            NDArray y = layer.apply(x);
            if (y == x) {
                throw new IllegalStateException("a scoped layer returned its input");
            }
            if (y.getManager() == scope) {
                y.attach(outer);
            }
            return y;
        }
    }
}

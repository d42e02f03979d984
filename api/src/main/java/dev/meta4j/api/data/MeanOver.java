package dev.meta4j.api.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** The reductions the built-in tasks share: means over the example axes, keeping leading ones. */
final class MeanOver {

    private MeanOver() {}

    /** The mean over the last two axes (examples and outputs), keeping the leading ones. */
    static NDArray lastTwo(NDArray x) {
        // DJL's PyTorch mean takes one axis at a time; flatten the last two axes into one.
        long[] s = x.getShape().getShape();
        if (s.length < 2) {
            return x.mean();
        }
        long[] head = java.util.Arrays.copyOf(s, s.length - 1);
        head[head.length - 1] = -1;
        return x.reshape(head).mean(new int[] {-1});
    }

    /** {@link MaskedMean#of} over the last axis (0 where nothing counts). */
    static NDArray masked(NDArray x, NDArray mask) {
        return MaskedMean.of(x, mask, 1);
    }

    /** {@link MaskedMean#of} over the last two axes (0 where nothing counts). */
    static NDArray maskedLastTwo(NDArray x, NDArray mask) {
        return MaskedMean.of(x, mask, Math.min(2, x.getShape().dimension()));
    }

    /** A one-element array's value, as a double. */
    static double value(NDArray scalar) {
        return scalar.toType(DataType.FLOAT64, false).getDouble();
    }
}
